package dev.tesela.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a tenant's files live (port), in object-store terms: a flat namespace of keys such as
 * {@code 2026/11/23/photo.th.jpeg}. Adapters: local disk ({@link LocalBlobStore}), S3-compatible buckets
 * ({@link S3BlobStore}); every adapter passes {@code BlobStoreContract}.
 *
 * <p>Keys are validated by {@link BlobKeys#requireValid(String)}: relative, '/'-separated, no empty, '.' or '..'
 * segments, characters from {@code [A-Za-z0-9._-]} and '/', at most 255 characters. Writes are atomic: a reader
 * sees either no blob or the whole blob, never a partial one. Thread-safe.
 *
 * <p><b>Staging.</b> An upload writes its files with {@link #stage} into the store's staging area, a namespace apart
 * from the keys that no read method ever looks into (so nothing staged is ever served), commits its database row,
 * then moves each file to its key with {@link #publish}; so no file or network I/O happens inside a database
 * transaction, and no file is visible without its row. Staging keys obey the same rules as keys; a staged blob is
 * listed by {@link #staged} with the time it was staged, so recovery after a crash can publish the staged blobs whose
 * row committed and {@link #discardStaged discard} the others. The local adapter keeps the staging area in a
 * {@code .staging} folder under its root; the S3 adapter uses a {@code .staging/} key prefix and publishes with a
 * conditional copy ({@code If-None-Match: *}) and a delete.
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
     * Opens {@code length} bytes of the blob from {@code offset} (a byte range the caller checked against its size),
     * or empty when there is none. Remote adapters ask for the range only; the caller closes the stream.
     */
    default Optional<InputStream> open(String key, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative byte range");
        }
        Optional<InputStream> in = open(key);
        if (in.isPresent()) {
            try {
                in.get().skipNBytes(offset);
            } catch (IOException | RuntimeException e) {
                in.get().close();
                throw e;
            }
            return Optional.of(new LimitedInputStream(in.get(), length));
        }
        return in;
    }

    /**
     * The blob as a local file when the adapter keeps it on this machine's disk (lets the web server send it
     * without copying); empty for remote stores and for missing keys.
     */
    Optional<Path> localFile(String key);

    /** Deletes the blob; returns false when there was none. Never fails for a missing key. */
    boolean delete(String key) throws IOException;

    /**
     * Stores a copy of {@code file} under {@code stagingKey} in the staging area, durably (on disk, or acknowledged by
     * the remote store) when this returns. Fails with {@link BlobExistsException} (and changes nothing) when that
     * staging key is taken. A failed call leaves nothing staged; a crash during the call may leave a partial staged
     * blob, which {@link #staged} lists like any other.
     */
    void stage(String stagingKey, Path file, String contentType) throws IOException;

    /**
     * Moves the staged blob {@code stagingKey} to {@code key}, atomically for readers of {@code key}. Returns true
     * when the blob is now under {@code key}: moved by this call, or by a concurrent publish of the same staged blob.
     * Returns false (changing nothing) when there is no such staged blob, e.g. because a concurrent publish finished
     * or it was discarded: the caller then checks {@code key} with {@link #stat}. Fails with
     * {@link BlobExistsException} when {@code key} holds another blob; the staged blob is kept then.
     */
    boolean publish(String stagingKey, String key) throws IOException;

    /** Deletes the staged blob; returns false when there was none. Never fails for a missing staging key. */
    boolean discardStaged(String stagingKey) throws IOException;

    /** Up to {@code limit} staged blobs, the longest-staged first. */
    List<StagedBlob> staged(int limit) throws IOException;

    /** A staged blob and when it was staged (its last write, to the second or better). */
    record StagedBlob(String stagingKey, Instant stagedAt) {}

    /** @param byteSize length in bytes; @param lastModified to the second or better */
    record BlobStat(long byteSize, Instant lastModified) {}

    /**
     * The store cannot be reached, or did not answer in time, or has too many calls in flight: the call was given up
     * within the store's bounded time and may be retried later. The web layer answers it with 503 and Retry-After.
     */
    final class StoreUnavailableException extends IOException {
        public StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The store answers but refuses the site's requests as configured: access denied (a revoked key, a wrong secret,
     * a bucket policy), no such bucket, a wrong region or endpoint, or credentials that can no longer be decrypted.
     * Not an outage (retrying will not help until an administrator fixes the storage: {@code tesela storage-test}
     * says what is wrong), yet not a bug of Tesela either: the web layer answers it with 503 naming the storage's
     * settings as the cause, never a 500. The message names the storage and the problem, never a credential.
     */
    final class StoreRefusedException extends IOException {
        public StoreRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The key is already in use. */
    final class BlobExistsException extends IOException {
        public BlobExistsException(String key) {
            super("blob exists: " + key);
        }
    }
}
