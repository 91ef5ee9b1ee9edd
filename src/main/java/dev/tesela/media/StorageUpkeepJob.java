package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reclaims storage, every {@code interval}, for every tenant the supplier lists: recovers uploads a crash interrupted
 * ({@link MediaService#recoverStaged}: staged files whose row committed are published, the others discarded after
 * the grace period), deletes expired uploads (files and rows) in batches, then retries the queued file deletions
 * that are due (files that could not be deleted with their image). Expired images are already invisible (lookups filter them). Running it on several instances at once is
 * safe: a second deletion of the same image finds nothing to delete, and deleting a file twice is harmless.
 */
public final class StorageUpkeepJob implements AutoCloseable, dev.tesela.platform.jobs.TenantJob {
    private static final Logger log = LoggerFactory.getLogger(StorageUpkeepJob.class);
    static final int BATCH = 50;
    static final int RECOVERY_BATCH = 500;
    private final MediaService media;
    private final Supplier<List<TenantContext>> tenants;
    private final Function<TenantContext, RequestContext> systemContext;
    private final ScheduledExecutorService scheduler;
    private final Duration stagingGrace;

    /** @param stagingGrace how long a staged file without a committed row is kept (TESELA_STAGING_GRACE_SECONDS) */
    public StorageUpkeepJob(MediaService media, Supplier<List<TenantContext>> tenants,
                             Function<TenantContext, RequestContext> systemContext, Duration stagingGrace) {
        this.media = media;
        this.stagingGrace = stagingGrace;
        this.tenants = tenants;
        this.systemContext = systemContext;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("storage-upkeep").factory());
    }

    public void start(Duration interval) {
        scheduler.scheduleWithFixedDelay(this::runOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over every tenant; returns the number of expired images deleted. Never throws: failures are logged per tenant. */
    public int runOnce() {
        int total = 0;
        for (TenantContext tenant : tenants.get()) {
            try {
                total += purge(systemContext.apply(tenant));
            } catch (RuntimeException e) {
                log.warn("Purging expired uploads of tenant {} failed: {}", tenant.id(), e.toString());
            }
        }
        if (total > 0) {
            log.info("Deleted {} expired upload(s)", total);
        }
        return total;
    }

    @Override
    public String name() {
        return "storage-upkeep";
    }

    /** As a job of the tenants' jobs worker: purges every expired upload of {@code rc}'s tenant and retries its queued deletions. */
    @Override
    public void run(RequestContext rc) {
        purge(rc);
    }

    /**
     * Publishes or discards the tenant's staged files (see {@link MediaService#recoverStaged}), a batch at a time
     * while batches come back full and something changed; returns how many.
     */
    public int recover(RequestContext rc) {
        int total = 0;
        for (int pass = 0, n; pass < 100 && (n = media.recoverStaged(rc, stagingGrace, RECOVERY_BATCH)) > 0; pass++) {
            total += n;
        }
        return total;
    }

    private int purge(RequestContext rc) {
        recover(rc);
        int total = 0;
        for (int n; (n = media.purgeExpired(rc, BATCH)) > 0; ) {
            total += n;
            if (n < BATCH) {
                break;
            }
        }
        // Due entries only, and a failure is not due again for a minute or more: this loop ends.
        for (int n; (n = media.retryBlobDeletions(rc, BATCH)) == BATCH; ) {
            // a full batch: there may be more due
        }
        return total;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
