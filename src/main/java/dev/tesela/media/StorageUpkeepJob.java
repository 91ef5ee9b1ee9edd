package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import java.time.Duration;

/**
 * Reclaims a tenant's storage, as a job of the jobs worker: recovers uploads a crash interrupted
 * ({@link MediaService#recoverStaged}: staged files whose row committed are published, the others discarded after
 * the grace period), deletes expired uploads (files and rows) in batches, then retries the queued file deletions
 * that are due (files that could not be deleted with their image). Expired images are already invisible (lookups
 * filter them). Running it on several instances at once is safe: a second deletion of the same image finds nothing
 * to delete, and deleting a file twice is harmless. Stateless.
 */
public final class StorageUpkeepJob implements dev.tesela.platform.jobs.TenantJob {
    static final int BATCH = 50;
    static final int RECOVERY_BATCH = 500;
    private final MediaService media;
    private final Duration stagingGrace;

    /** @param stagingGrace how long a staged file without a committed row is kept (TESELA_STAGING_GRACE_SECONDS) */
    public StorageUpkeepJob(MediaService media, Duration stagingGrace) {
        this.media = media;
        this.stagingGrace = stagingGrace;
    }

    @Override
    public String name() {
        return "storage-upkeep";
    }

    /** Recovers, purges every expired upload of {@code rc}'s tenant and retries its queued deletions. */
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

    /** {@link #run}, returning the number of expired uploads deleted. */
    public int purge(RequestContext rc) {
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
}
