package dev.tesela.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Where a tenant's files live (port), in object-store terms: a flat namespace of keys such as
 * {@code 2026/11/23/photo.th.jpeg}. Adapters: local disk (here), S3 (its own issue); every adapter passes
 * {@code BlobStoreContract}.
 *
 * <p>Keys are validated by {@link BlobKeys#requireValid(String)}: relative, '/'-separated, no empty, '.' or '..'
 * segments, characters from {@code [A-Za-z0-9._-]} and '/', at most 255 characters. Writes are atomic: a reader
 * sees either no blob or the whole blob, never a partial one. Thread-safe.
 */
public interface BlobStore {

    /** Short description for logs and health output (e.g. {@code local:/srv/tesela/data/images}). */
    String describe();

    /**
     * Stores a copy of {@code file} under {@code key}. Fails with {@link BlobExistsException} (and changes nothing)
     * when the key is taken, so two uploads can never overwrite each other.
     */
    void putNew(String key, Path file, String contentType) throws IOException;

    /** Size and modification time, or empty when there is no such blob. */
    Optional<BlobStat> stat(String key) throws IOException;

    /** Opens the blob, or empty when there is none. The caller closes the stream. */
    Optional<InputStream> open(String key) throws IOException;

    /**
     * The blob as a local file when the adapter keeps it on this machine's disk (lets the web server send it
     * without copying); empty for remote stores and for missing keys.
     */
    Optional<Path> localFile(String key);

    /** Deletes the blob; returns false when there was none. Never fails for a missing key. */
    boolean delete(String key) throws IOException;

    /** @param byteSize length in bytes; @param lastModified to the second or better */
    record BlobStat(long byteSize, Instant lastModified) {
    }

    /** The key is already in use. */
    final class BlobExistsException extends IOException {
        public BlobExistsException(String key) {
            super("blob exists: " + key);
        }
    }
}
