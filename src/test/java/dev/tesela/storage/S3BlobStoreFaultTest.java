package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.storage.BlobStore.StoreUnavailableException;
import dev.tesela.testing.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link S3BlobStore} when the service stops and comes back; on its own S3Proxy, which it stops and restarts. Each refused call must fail within the store's call timeout plus {@link #MARGIN} (the time is measured and
 * printed), never hang. Other failures (silent, busy, throttling, misconfigured): {@link S3BlobStoreErrorTest}.
 */
class S3BlobStoreFaultTest {
    /** Scheduling noise allowed on top of the call timeout (two cores shared by several builds). */
    static final Duration MARGIN = Duration.ofMillis(1500);

    static S3Server server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        server = S3Server.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    Path source(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "src", ".bin"), bytes);
    }

    @Test
    void aStoppedServerFailsEveryCallWithinTheTimeoutAndARestartedOneWorksAgain() throws Exception {
        server.createBucket("stopped");
        Duration timeout = Duration.ofSeconds(2);
        try (S3BlobStore store = new S3BlobStore(server.settings("stopped", "", timeout, 4))) {
            store.putNew("kept.png", source(new byte[] {1, 2, 3}), "image/png");
            store.stage("s/kept.png", source(new byte[] {4}), "image/png");
            server.stop();
            try {
                Path file = source(new byte[] {9});
                Map<String, Executable> calls = new LinkedHashMap<>();
                calls.put("putNew", () -> store.putNew("new.png", file, "image/png"));
                calls.put("stat", () -> store.stat("kept.png"));
                calls.put("open", () -> store.open("kept.png"));
                calls.put("open range", () -> store.open("kept.png", 1, 1));
                calls.put("delete", () -> store.delete("kept.png"));
                calls.put("stage", () -> store.stage("s/new.png", file, "image/png"));
                calls.put("publish", () -> store.publish("s/kept.png", "published.png"));
                calls.put("discardStaged", () -> store.discardStaged("s/kept.png"));
                calls.put("staged", () -> store.staged(10));
                for (var call : calls.entrySet()) {
                    StoreUnavailableException e =
                            failsUnavailableWithin(timeout, "stopped server, " + call.getKey(), call.getValue());
                    assertTrue(e.getMessage().contains(store.describe()), e.getMessage());
                    assertFalse(e.getMessage().contains(S3Server.SECRET_KEY), e.getMessage());
                }
            } finally {
                server.restart();
            }
            assertArrayEquals(new byte[] {1, 2, 3}, readAll(store.open("kept.png")));
            assertTrue(store.publish("s/kept.png", "published.png"));
            store.putNew("after.png", source(new byte[] {5}), "image/png");
            assertArrayEquals(new byte[] {5}, readAll(store.open("after.png")));
        }
    }

    /** Runs {@code call}, which must fail with StoreUnavailableException within {@code timeout} + MARGIN. */
    static StoreUnavailableException failsUnavailableWithin(Duration timeout, String what, Executable call) {
        long start = System.nanoTime();
        Throwable thrown = assertThrows(Throwable.class, call, what);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf(
                "%s: failed after %d ms (timeout %d ms): %s%n", what, took.toMillis(), timeout.toMillis(), thrown);
        StoreUnavailableException e = assertInstanceOf(StoreUnavailableException.class, thrown, what);
        assertTrue(
                took.compareTo(timeout.plus(MARGIN)) < 0,
                what + " took " + took.toMillis() + " ms, more than the timeout " + timeout.toMillis()
                        + " ms + margin");
        return e;
    }

    static byte[] readAll(Optional<InputStream> in) throws IOException {
        try (InputStream stream = in.orElseThrow()) {
            return stream.readAllBytes();
        }
    }
}
