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
 */
final class ProcessingGate {
    private final Semaphore slots;
    private final int capacity;
    private final Duration queueWait;

    ProcessingGate(int workers, Duration queueWait) {
        this.slots = new Semaphore(workers, true);
        this.capacity = workers;
        this.queueWait = queueWait;
    }

    <T> T run(Work<T> work) throws Exception {
        boolean acquired;
        try {
            acquired = slots.tryAcquire(queueWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy();
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

    int inUse() {
        return capacity - slots.availablePermits();
    }

    private static AppException busy() {
        return new AppException(ErrorCode.BUSY, "The server is busy processing other images. Try again in a few seconds.");
    }

    @FunctionalInterface
    interface Work<T> {
        T call() throws Exception;
    }
}
