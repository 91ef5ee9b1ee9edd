package dev.tesela.testing;

import dev.tesela.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A store that forwards every call to another: tests override the calls they put a fault or a count on. */
public class ForwardingBlobStore implements BlobStore {
    protected final BlobStore store;

    public ForwardingBlobStore(BlobStore store) {
        this.store = store;
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public void putNew(String key, Path file, String contentType) throws IOException {
        store.putNew(key, file, contentType);
    }

    @Override
    public Optional<BlobStat> stat(String key) throws IOException {
        return store.stat(key);
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        return store.open(key);
    }

    @Override
    public Optional<Path> localFile(String key) {
        return store.localFile(key);
    }

    @Override
    public boolean delete(String key) throws IOException {
        return store.delete(key);
    }

    @Override
    public void stage(String stagingKey, Path file, String contentType) throws IOException {
        store.stage(stagingKey, file, contentType);
    }

    @Override
    public boolean publish(String stagingKey, String key) throws IOException {
        return store.publish(stagingKey, key);
    }

    @Override
    public boolean discardStaged(String stagingKey) throws IOException {
        return store.discardStaged(stagingKey);
    }

    @Override
    public List<StagedBlob> staged(int limit) throws IOException {
        return store.staged(limit);
    }
}
