package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.storage.StorageService;
import dev.tesela.tenancy.TenantCommands;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One tenant's storage that accepts connections and never answers (a black hole) does not hold up another tenant's
 * uploads in the same process: the slow storage's calls are bounded in number (TESELA_STORAGE_MAX_CONCURRENCY, here
 * 2: while 6 uploads wait on it, the black hole sees 2 connections) and in time (TESELA_STORAGE_TIMEOUT_SECONDS), each refused
 * upload answers 503 when its time is up, and meanwhile the other tenant's uploads are stored as usual.
 */
class SlowStorageIsolationTest {
    private static final int TIMEOUT_SECONDS = 6;
    private static final int MAX_CONCURRENCY = 2;

    @Test
    @Timeout(90)
    void aStorageThatNeverAnswersHoldsNoOtherTenantsUploads() throws Exception {
        Services.requireRedis();
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_TENANTS_ENABLED", "1");
        env.put("TESELA_REDIS_URL", "redis://127.0.0.1:6379");
        env.put("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(Crypto.randomBytes(32)));
        env.put("TESELA_PROVIDER_NAME", "Test provider");
        env.put("TESELA_PROVIDER_URL", "https://provider.example");
        env.put("TESELA_STORAGE_TIMEOUT_SECONDS", Integer.toString(TIMEOUT_SECONDS));
        env.put("TESELA_STORAGE_MAX_CONCURRENCY", Integer.toString(MAX_CONCURRENCY));
        String suffix = Crypto.randomBase62(6).toLowerCase(Locale.ROOT);
        try (BlackHole hole = new BlackHole();
                TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, env)) {
            RequestContext slow = tenant(app, "s" + suffix);
            RequestContext fast = tenant(app, "f" + suffix);
            app.storages()
                    .add(
                            slow,
                            new StorageService.Fields(
                                    "never answers",
                                    "s3",
                                    "bucket",
                                    "us-east-1",
                                    "http://127.0.0.1:" + hole.port(),
                                    null,
                                    null,
                                    null,
                                    "key",
                                    "secret",
                                    true,
                                    null,
                                    null),
                            false);
            RequestContext slowRc =
                    app.systemContext(app.tenants().byId(slow.tenant().id()).orElseThrow());

            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Long> refusedAfterMillis = new CopyOnWriteArrayList<>();
            AtomicInteger answered = new AtomicInteger();
            List<Future<?>> slowUploads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int seed = i;
                slowUploads.add(pool.submit(() -> {
                    long started = System.nanoTime();
                    try {
                        app.media().upload(slowRc, StoragesUploadTest.request(TestImages.jpeg(200, 150, seed)));
                        throw new AssertionError("an upload to a storage that never answers was stored");
                    } catch (AppException e) {
                        assertEquals(ErrorCode.BUSY, e.code(), e.getMessage());
                        refusedAfterMillis.add((System.nanoTime() - started) / 1_000_000);
                    } finally {
                        answered.incrementAndGet();
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS - 1);
            while (hole.accepted() < MAX_CONCURRENCY && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            assertEquals(MAX_CONCURRENCY, hole.accepted(), "the slow storage's calls in flight");

            for (int i = 0; i < 3; i++) {
                StoredImage stored = app.media()
                        .upload(fast, StoragesUploadTest.request(TestImages.jpeg(200, 150, 100 + i)))
                        .image();
                assertNotNull(stored);
            }
            assertEquals(0, answered.get(), "the other tenant's 3 uploads were stored while the slow ones still wait");
            assertEquals(
                    MAX_CONCURRENCY,
                    hole.accepted(),
                    "6 uploads waiting on the slow storage, never more than its limit of calls at once");

            for (Future<?> upload : slowUploads) {
                upload.get(TIMEOUT_SECONDS * 4L, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(6, refusedAfterMillis.size());
            for (long millis : refusedAfterMillis) {
                assertTrue(millis < TIMEOUT_SECONDS * 1000L + 5000, "a refusal took " + millis + " ms");
            }
        }
    }

    private static RequestContext tenant(App app, String id) {
        app.registry().create(new TenantCommands.CreateTenant(id, id + ".test", true, null, null, Map.of()));
        RequestContext rc = app.systemContext(app.tenants().byId(id).orElseThrow());
        app.installs().install(rc, new InstallCommand("admin", "admin@" + id + ".test", "a long password"));
        return app.systemContext(app.tenants().byId(id).orElseThrow());
    }

    /** A TCP server that accepts connections, reads nothing and never answers; counts them. */
    private static final class BlackHole implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread acceptor;

        BlackHole() throws IOException {
            acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        open.add(socket);
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
