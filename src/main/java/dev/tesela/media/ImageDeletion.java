package dev.tesela.media;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.security.Crypto;
import dev.tesela.storage.SiteStorages;
import dev.tesela.storage.Storage;
import dev.tesela.storage.StorageUsage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deleting images: the row (with its links, counters and an entry in the deletion log) and its files. The files are
 * queued in the row's transaction and deleted right after it, outside it; a file that cannot be deleted now (or whose
 * instance stops half-way) stays queued for {@link #retry}, so no file outlives its image for good. Who may delete is
 * decided before this is called ({@code Access}, or a delete link's secret checked by {@link #withSecret}).
 * Thread-safe.
 */
final class ImageDeletion {
    private static final Logger log = LoggerFactory.getLogger(ImageDeletion.class);
    private final PerTenant tenant;
    private final MediaRepository repository;
    private final Clock clock;

    ImageDeletion(PerTenant tenant, MediaRepository repository, Clock clock) {
        this.tenant = tenant;
        this.repository = repository;
        this.clock = clock;
    }

    /** What the row keeps of a delete link's secret: an HMAC under the tenant's token key, bound to the image id. */
    static String deleteHash(TenantContext tenant, long id, String secret) {
        return Crypto.hmacBase64(tenant.keys().tokens(), "delete:" + id + ":" + secret);
    }

    /** Deletes image {@code id} if {@code secret} is its delete-link secret; false (and nothing changed) otherwise. */
    boolean withSecret(RequestContext rc, long id, String secret) {
        Optional<String> stored = repository.deleteHash(tenant.db(rc), id);
        if (stored.isEmpty()
                || stored.get() == null
                || !Crypto.constantTimeEquals(stored.get(), deleteHash(rc.tenant(), id, secret))) {
            return false;
        }
        return repository
                .find(tenant.db(rc), id)
                .map(image -> {
                    delete(rc, image);
                    return true;
                })
                .orElse(false);
    }

    /** Deletes the image's row and its files; the caller is recorded as the one who deleted it. */
    void delete(RequestContext rc, StoredImage image) {
        Long actor = rc.principal() instanceof Principal.User u ? u.userId() : null;
        List<String> keys = new ArrayList<>();
        keys.add(image.storageKey());
        long bytes = image.byteSize();
        for (StoredImage.Variant v : image.variants().values()) {
            keys.add(v.storageKey());
            bytes += v.byteSize();
        }
        Instant now = clock.instant();
        List<MediaRepository.QueuedBlob> queued = tenant.transaction(rc, tx -> {
            repository.delete(tx.dsl(), image, actor, rc.clientIp(), now, true);
            return repository.queueBlobDeletions(tx.dsl(), image.storageId(), keys, now);
        });
        tenant.filesDeleted(rc, keys); // this instance stops serving them now, before the files go
        if (image.storageId() != null) {
            try {
                StorageUsage.release(rc.db(), image.storageId(), bytes);
            } catch (RuntimeException e) {
                log.warn(
                        "Could not give back {} bytes of storage {} (a recount will): {}",
                        bytes,
                        image.storageId(),
                        e.toString());
            }
        }
        deleteQueued(rc, queued);
    }

    /**
     * Tries again the queued file deletions of {@code rc}'s tenant that are due, at most {@code limit}; returns how
     * many files were deleted. A failure waits longer each time (1 minute doubling, at most a day) and is logged.
     */
    int retry(RequestContext rc, int limit) {
        return deleteQueued(rc, repository.dueBlobDeletions(tenant.db(rc), clock.instant(), limit));
    }

    /** Files queued for deletion in {@code rc}'s tenant (storage keys, in queue order). */
    List<String> queued(RequestContext rc) {
        return repository.queuedBlobDeletions(tenant.db(rc)).stream()
                .map(MediaRepository.QueuedBlob::storageKey)
                .toList();
    }

    /**
     * Deletes the files {@code queued} (in a transaction that committed), each from its storage; one that cannot be
     * deleted now stays queued for {@link #retry}. Returns how many were deleted.
     */
    int deleteQueued(RequestContext rc, List<MediaRepository.QueuedBlob> queued) {
        SiteStorages storages = tenant.storages(rc);
        int deleted = 0;
        for (MediaRepository.QueuedBlob blob : queued) {
            try {
                if (repository.fileInUse(tenant.db(rc), blob.storageId(), blob.storageKey())) {
                    // A newer image has this file name on this storage (the queued file was never there, and the name
                    // was free to take): its file is not this entry's to delete.
                    repository.blobDeleted(tenant.db(rc), blob.id());
                    continue;
                }
                Storage storage = storages.find(blob.storageId())
                        .orElseThrow(() -> new IOException("storage " + blob.storageId()
                                + " is not there (deleted, or local storage is disabled)"));
                tenant.files(storage).delete(blob.storageKey());
                repository.blobDeleted(tenant.db(rc), blob.id());
                deleted++;
            } catch (IOException | RuntimeException e) {
                int attempts = blob.attempts() + 1;
                Duration wait = Duration.ofMinutes(1L << Math.min(attempts - 1, 11));
                wait = wait.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : wait;
                log.warn(
                        "Could not delete file {} of tenant {} (attempt {}; next in {}): {}",
                        blob.storageKey(),
                        rc.tenant().id(),
                        attempts,
                        wait,
                        e.toString());
                repository.blobDeletionFailed(
                        tenant.db(rc),
                        blob.id(),
                        attempts,
                        e.toString(),
                        clock.instant().plus(wait));
            }
        }
        return deleted;
    }
}
