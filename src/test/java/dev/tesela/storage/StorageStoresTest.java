package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** StorageStores shares one S3 store per connection, and closes the one of a connection no runtime asks for. */
class StorageStoresTest {

    /** An S3 store that only records whether it was closed. */
    private static final class Client implements BlobStore, AutoCloseable {
        volatile boolean closed;

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void putNew(String key, Path file, String contentType) {}

        @Override
        public Optional<BlobStat> stat(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<InputStream> open(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Path> localFile(String key) {
            return Optional.empty();
        }

        @Override
        public boolean delete(String key) {
            return false;
        }

        @Override
        public void stage(String stagingKey, Path file, String contentType) {}

        @Override
        public boolean publish(String stagingKey, String key) {
            return false;
        }

        @Override
        public boolean discardStaged(String stagingKey) {
            return false;
        }

        @Override
        public List<StagedBlob> staged(int limit) {
            return List.of();
        }

        @Override
        public String describe() {
            return "fake";
        }
    }

    private static StorageConnection connection(String secret) {
        return new StorageConnection("s3", "photos", "us-east-1", Optional.empty(), "", "AKIDEXAMPLE", secret, true);
    }

    @Test
    void theStoreOfAConnectionNoRuntimeOpensAnyMoreIsClosedAndAConnectionInUseKeepsItsOwn() {
        AtomicLong nanos = new AtomicLong();
        List<Client> made = new ArrayList<>();
        var stores = new StorageStores(
                settings -> {
                    var client = new Client();
                    made.add(client);
                    return client;
                },
                Duration.ofSeconds(5),
                4,
                nanos::get);
        BlobStore before = stores.open(connection("old-secret"));
        assertSame(before, stores.open(connection("old-secret")), "runtimes share the store of one connection");
        // The secret is edited: runtimes from now on open the new connection, every minute.
        BlobStore after = stores.open(connection("new-secret"));
        assertNotSame(before, after);
        for (long minute = 1; minute <= StorageStores.IDLE_CLOSE_AFTER.toMinutes() + 1; minute++) {
            nanos.set(Duration.ofMinutes(minute).toNanos());
            assertSame(after, stores.open(connection("new-secret")));
        }
        stores.closeIdle();
        assertTrue(made.get(0).closed, "the client of the edited connection was closed");
        assertFalse(made.get(1).closed, "the client in use stays open");
        assertEquals(2, made.size());
    }
}
