package dev.tesela.platform.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the cache keeps, and above all what {@link FlushableCache#invalidateAll()} discards. */
class FlushableCacheTest {

    @Test
    void loadsOnceUntilInvalidated() {
        FlushableCache<String, String> cache = new FlushableCache<>(100, Duration.ofMinutes(1));
        AtomicInteger loads = new AtomicInteger();
        assertEquals("v1", cache.get("k", k -> "v" + loads.incrementAndGet()));
        assertEquals("v1", cache.get("k", k -> "v" + loads.incrementAndGet()));
        assertEquals(1, cache.estimatedSize());
        cache.invalidateAll();
        assertEquals("v2", cache.get("k", k -> "v" + loads.incrementAndGet()));
    }

    /**
     * A load that read the old state, still running when a change is announced, must not leave the old value cached
     * (Caffeine alone keeps it: its invalidateAll leaves loads in flight alone). Otherwise a request racing a
     * registry change keeps serving the old resolution until the entry expires.
     */
    @Test
    @Timeout(10)
    void aLoadInFlightWhenInvalidateAllRunsIsNotKept() throws Exception {
        FlushableCache<String, String> cache = new FlushableCache<>(100, Duration.ofMinutes(1));
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch announced = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> racing = pool.submit(() -> cache.get("host", k -> {
                loading.countDown();
                try {
                    assertTrue(announced.await(5, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return "old";
            }));
            assertTrue(loading.await(5, TimeUnit.SECONDS));
            cache.invalidateAll();
            announced.countDown();
            assertEquals("old", racing.get(5, TimeUnit.SECONDS), "the racing request itself sees what it read");
            assertEquals("new", cache.get("host", k -> "new"), "the value read before the change is not kept");
        } finally {
            pool.shutdownNow();
        }
    }
}
