package dev.tesela.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A {@link BlobStore} opened on its first call (a site's runtime lists all its storages but most requests use one
 * or none): opening decrypts credentials and makes a client or a folder. A failure to open is not kept (the next call
 * tries again) and is thrown by I/O calls as a {@link BlobStore.StoreRefusedException} naming the storage. Thread-safe.
 */
final class LazyBlobStore implements BlobStore {
    private final String description;
    private final Supplier<BlobStore> opener;
    private volatile BlobStore store;

    /** @param description what {@link #describe} says before (and instead of) opening the store */
    LazyBlobStore(String description, Supplier<BlobStore> opener) {
        this.description = description;
        this.opener = opener;
    }

    private BlobStore store() throws IOException {
        BlobStore s = store;
        if (s == null) {
            synchronized (this) {
                s = store;
                if (s == null) {
                    try {
                        s = opener.get();
                    } catch (RuntimeException e) {
                        // Credentials that no longer decrypt (the tenant's key changed), a folder that cannot be
                        // made: the storage's settings are at fault, which the web layer answers with a 503.
                        throw new StoreRefusedException("Cannot open " + description + ": " + e.getMessage(), e);
                    }
                    store = s;
                }
            }
        }
        return s;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void putNew(String key, Path file, String contentType) throws IOException {
        store().putNew(key, file, contentType);
    }

    @Override
    public Optional<BlobStat> stat(String key) throws IOException {
        return store().stat(key);
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        return store().open(key);
    }

    @Override
    public Optional<InputStream> open(String key, long offset, long length) throws IOException {
        return store().open(key, offset, length);
    }

    @Override
    public Optional<Path> localFile(String key) {
        try {
            return store().localFile(key);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        return store().delete(key);
    }

    @Override
    public void stage(String stagingKey, Path file, String contentType) throws IOException {
        store().stage(stagingKey, file, contentType);
    }

    @Override
    public boolean publish(String stagingKey, String key) throws IOException {
        return store().publish(stagingKey, key);
    }

    @Override
    public boolean discardStaged(String stagingKey) throws IOException {
        return store().discardStaged(stagingKey);
    }

    @Override
    public List<StagedBlob> staged(int limit) throws IOException {
        return store().staged(limit);
    }
}
