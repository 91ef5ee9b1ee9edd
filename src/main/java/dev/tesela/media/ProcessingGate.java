package dev.tesela.media;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how many images are decoded and encoded at once (memory and CPU are the limits, not threads: requests
 * run on virtual threads). An upload waits for a slot at most {@code queueWait}; then it is refused with
 * {@link ErrorCode#BUSY} (503 + Retry-After) rather than piling up until the JVM runs out of memory.
 *
 * <p>Admission: at most {@link #QUEUE_PER_WORKER} uploads per worker wait for a slot; one more is refused with
 * BUSY at once. Under a burst the excess is answered in milliseconds instead of each upload waiting the whole
 * {@code queueWait} (or the client giving up first), and the uploads that were admitted wait a few images' time.
 */
final class ProcessingGate {
    /** Uploads allowed to wait for a slot, per worker. */
    static final int QUEUE_PER_WORKER = 4;

    private final Semaphore slots;
    private final int capacity;
    private final Duration queueWait;
    private final int maxWaiting;
    /** Uploads waiting for a slot now. */
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();

    ProcessingGate(int workers, Duration queueWait) {
        this.slots = new Semaphore(workers, true);
        this.capacity = workers;
        this.queueWait = queueWait;
        this.maxWaiting = workers * QUEUE_PER_WORKER;
    }

    <T> T run(Work<T> work) throws Exception {
        boolean acquired;
        try {
            acquired = slots.tryAcquire(0, TimeUnit.MILLISECONDS); // unlike tryAcquire(), never barges past waiters
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
        }
        if (!acquired) {
            if (waiting.incrementAndGet() > maxWaiting) {
                waiting.decrementAndGet();
                throw busy();
            }
            try {
                acquired = slots.tryAcquire(queueWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw busy();
            } finally {
                waiting.decrementAndGet();
            }
        }
        if (!acquired) {
            throw busy();
        }
        try {
            return work.call();
        } finally {
            slots.release();
        }
    }

    int capacity() {
        return capacity;
    }

    /** Uploads waiting for a slot now (at most workers × {@link #QUEUE_PER_WORKER}). */
    int waiting() {
        return waiting.get();
    }

    int inUse() {
        return capacity - slots.availablePermits();
    }

    private static AppException busy() {
        return new AppException(
                ErrorCode.BUSY, "The server is busy processing other images. Try again in a few seconds.");
    }

    @FunctionalInterface
    interface Work<T> {
        T call() throws Exception;
    }
}
