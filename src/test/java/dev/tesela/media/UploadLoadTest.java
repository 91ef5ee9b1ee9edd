package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.Multipart;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.impl.DSL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Overload: a real app with a deliberately small pool (2 connections) and 2 image workers gets a burst of 150
 * concurrent API uploads from two users, then one user uploading 6 at once, 5 times over. Every answer is 200 or
 * 503 with Retry-After, within the client's 20 s timeout (never another 5xx, never a hang); the excess is refused
 * rather than queued (the fastest 503 within 5 s: about one pool wait on this loaded machine); each 200 is a row
 * and each 503 left nothing behind (images rows = successes, no temp file). On MariaDB and PostgreSQL (the shared
 * servers, each in a throwaway database). On MariaDB it also covers one user's parallel uploads, which deadlocked on
 * the image count (answered 500) until the store step's fix.
 */
class UploadLoadTest {
    private static final int BURST = 150;
    private static final int PARALLEL_PER_USER = 6;
    private static final int ROUNDS = 5;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest
    @EnumSource(
            value = TestDatabase.Kind.class,
            names = {"MARIADB", "POSTGRES"})
    void everyUploadUnderOverloadIsStoredOrRefusedWith503AndRetryAfter(TestDatabase.Kind kind) throws Exception {
        try (TestSite site = TestSite.on(kind)
                .env(Map.of("TESELA_DB_POOL_SIZE", "2", "TESELA_IMAGE_WORKERS", "2"))
                .installed()
                .user("alice")
                .apiKey(TestSite.ADMIN, "load")
                .apiKey("alice", "load")
                .serving()
                .start()) {
            String adminKey = site.key(TestSite.ADMIN);
            String aliceKey = site.key("alice");
            String base = site.base();
            Tally tally = new Tally();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> burst = new ArrayList<>();
                for (int i = 0; i < BURST; i++) {
                    String key = i % 2 == 0 ? adminKey : aliceKey;
                    int seed = i;
                    burst.add(clients.submit(() -> tally.upload(base, key, seed)));
                }
                for (Future<?> f : burst) {
                    f.get();
                }
                for (int round = 0; round < ROUNDS; round++) {
                    List<Future<?>> parallel = new ArrayList<>();
                    for (int i = 0; i < PARALLEL_PER_USER; i++) {
                        int seed = BURST
                                + round * PARALLEL_PER_USER
                                + i; // distinct from the burst's: TestImages repeats every 256 seeds
                        parallel.add(clients.submit(() -> tally.upload(base, aliceKey, seed)));
                    }
                    for (Future<?> f : parallel) {
                        f.get();
                    }
                }
            } finally {
                site.stopServer();
            }
            System.out.printf(
                    "UploadLoadTest %s: %d stored, %d refused with 503 (the fastest in %d ms), slowest answer %d ms%n",
                    kind,
                    tally.stored.get(),
                    tally.refused.get(),
                    tally.fastestRefusalMillis.get(),
                    tally.slowestMillis.get());
            assertEquals(List.of(), List.copyOf(tally.unexpected), "answers other than 200 or 503 + Retry-After");
            assertEquals(BURST + ROUNDS * PARALLEL_PER_USER, tally.stored.get() + tally.refused.get());
            assertTrue(tally.stored.get() > 0, "nothing was stored");
            // The excess is turned away quickly instead of queueing (before admission control nothing was refused:
            // every upload waited its turn, the slowest 10-15 s on this machine).
            assertTrue(tally.refused.get() > 0, "a burst of " + BURST + " on 2 workers refused nothing");
            assertTrue(
                    tally.fastestRefusalMillis.get() < 5000,
                    "the fastest 503 took " + tally.fastestRefusalMillis.get() + " ms");
            assertEquals(
                    tally.stored.get(),
                    site.dsl().fetchCount(DSL.table(DSL.name("images"))),
                    "one row per 200, none for a 503");
            Path uploads = site.dataDir().resolve("tmp").resolve("uploads");
            if (Files.isDirectory(uploads)) {
                try (var left = Files.list(uploads)) {
                    assertEquals(List.of(), left.toList(), "temp files left behind");
                }
            }
        }
    }

    /** What the clients saw. Thread-safe. */
    private final class Tally {
        final AtomicInteger stored = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong slowestMillis = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong fastestRefusalMillis =
                new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

        void upload(String base, String key, int seed) {
            Multipart form = new Multipart()
                    .field("key", key)
                    .file("source", "load" + seed + ".png", "image/png", TestImages.png(48, 32, seed));
            long started = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                                .timeout(Duration.ofSeconds(20))
                                .header("Content-Type", form.contentType())
                                .POST(form.publisher())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                long millis = (System.nanoTime() - started) / 1_000_000;
                slowestMillis.accumulateAndGet(millis, Math::max);
                if (r.statusCode() == 200) {
                    stored.incrementAndGet();
                } else if (r.statusCode() == 503
                        && r.headers().firstValue("Retry-After").isPresent()
                        && r.body().contains("\"status_code\":503")) {
                    refused.incrementAndGet();
                    fastestRefusalMillis.accumulateAndGet(millis, Math::min);
                } else {
                    unexpected.add(r.statusCode() + " "
                            + r.body().substring(0, Math.min(300, r.body().length())));
                }
            } catch (Exception e) {
                unexpected.add(e.toString());
            }
        }
    }
}
