package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Processing is bounded: beyond the workers, uploads wait at most the queue time, then get BUSY (503 + Retry-After). */
class ProcessingGateTest {

    @Test
    void aFullGateAnswersBusyAfterTheQueueWaitAndFreesItsSlots() throws Exception {
        ProcessingGate gate = new ProcessingGate(2, Duration.ofMillis(100));
        CountDownLatch inside = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> a = pool.submit(() -> gate.run(() -> hold(inside, release)));
            Future<?> b = pool.submit(() -> gate.run(() -> hold(inside, release)));
            inside.await(5, TimeUnit.SECONDS);
            assertEquals(2, gate.inUse());

            AppException busy = assertThrows(AppException.class, () -> gate.run(() -> "never"));
            assertEquals(ErrorCode.BUSY, busy.code());
            assertEquals(503, busy.code().httpStatus());

            release.countDown();
            a.get(5, TimeUnit.SECONDS);
            b.get(5, TimeUnit.SECONDS);
        }
        assertEquals(0, gate.inUse());
        assertEquals("ran", gate.run(() -> "ran"));
    }

    @Test
    void beyondFourWaitingUploadsPerWorkerTheNextIsRefusedAtOnceNotAfterTheQueueWait() throws Exception {
        ProcessingGate gate = new ProcessingGate(1, Duration.ofSeconds(20));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> holder = pool.submit(() -> gate.run(() -> hold(inside, release)));
            inside.await(5, TimeUnit.SECONDS);
            java.util.List<Future<String>> queued = new java.util.ArrayList<>();
            for (int i = 0; i < ProcessingGate.QUEUE_PER_WORKER; i++) {
                queued.add(pool.submit(() -> gate.run(() -> "queued")));
            }
            for (int i = 0; i < 500 && gate.waiting() < ProcessingGate.QUEUE_PER_WORKER; i++) {
                Thread.sleep(10);
            }
            assertEquals(ProcessingGate.QUEUE_PER_WORKER, gate.waiting());

            long started = System.nanoTime();
            AppException busy = assertThrows(AppException.class, () -> gate.run(() -> "never"));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(ErrorCode.BUSY, busy.code());
            assertTrue(millis < 1000, "refused after " + millis + " ms, not at once");

            // The admitted ones still run once the slot is free.
            release.countDown();
            holder.get(5, TimeUnit.SECONDS);
            for (Future<String> q : queued) {
                assertEquals("queued", q.get(5, TimeUnit.SECONDS));
            }
        }
        assertEquals(0, gate.waiting());
        assertEquals(0, gate.inUse());
    }

    @Test
    void aFailingJobGivesItsSlotBack() {
        ProcessingGate gate = new ProcessingGate(1, Duration.ZERO);
        assertThrows(
                IllegalStateException.class,
                () -> gate.run(() -> {
                    throw new IllegalStateException("boom");
                }));
        assertEquals(0, gate.inUse());
    }

    private static String hold(CountDownLatch inside, CountDownLatch release) throws InterruptedException {
        inside.countDown();
        release.await(10, TimeUnit.SECONDS);
        return "done";
    }
}
