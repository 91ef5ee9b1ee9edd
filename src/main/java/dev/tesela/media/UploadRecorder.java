package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.storage.FileNaming;
import dev.tesela.storage.NamingMethod;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "record" step of an upload: ONE short transaction with no file or network I/O in it, which takes the counter
 * rows' locks first (user, then album: the image row's foreign keys would otherwise take shared locks that the counter
 * update must upgrade, which deadlocked MariaDB), inserts the row with its staging token and final keys, its variants
 * and its tags. Races are settled by the database: the unique keys on storage keys make the loser of two uploads
 * wanting one file name run its transaction again with the next candidate name, and the unique tag name makes the
 * loser of two uploads creating one new tag run again and link the tag the other created. Transient conflicts
 * (deadlocks) are retried by {@link PerTenant#transaction}. Thread-safe.
 */
final class UploadRecorder {
    private static final Logger log = LoggerFactory.getLogger(UploadRecorder.class);
    private static final int NEW_TAG_ATTEMPTS = 3;
    private final PerTenant tenant;
    private final MediaRepository repository;
    private final Clock clock;

    UploadRecorder(PerTenant tenant, MediaRepository repository, Clock clock) {
        this.tenant = tenant;
        this.repository = repository;
        this.clock = clock;
    }

    /** A committed upload: its row id and its files (staging key → key). */
    record Committed(long id, Map<String, String> keys) {}

    /** Whether a file name is taken outside the database (by a file whose row is gone); I/O, so never in a transaction. */
    @FunctionalInterface
    interface NameTaken {
        boolean test(FileNaming.Name name) throws IOException;
    }

    /**
     * Commits the upload's row under the first candidate name of {@code naming} that is free: names {@code taken} says
     * are in use are skipped before the transaction; a name a concurrent upload committed first makes the transaction
     * run again with the next one. With naming by id the first candidate is the row's public id, known only inside the
     * transaction. {@code image}'s storage key is replaced by the chosen one; the delete hash is made from the row id
     * and {@code deleteSecret}.
     *
     * @throws IllegalStateException when every candidate name is taken
     */
    Committed record(
            RequestContext rc,
            MediaRepository.NewImage image,
            List<String> tags,
            String deleteSecret,
            StoreStep.Staged staged,
            FileNaming.Upload naming,
            NameTaken taken)
            throws IOException {
        List<FileNaming.Name> candidates = FileNaming.candidates(naming);
        for (int i = 0; i < candidates.size(); i++) {
            FileNaming.Name name = candidates.get(i);
            boolean byId = naming.method() == NamingMethod.ID && i == 0; // the id is known inside the transaction only
            if (!byId && taken.test(name)) {
                continue;
            }
            MediaRepository.NewImage row = image.withStorageKey(byId ? ".pending-" + staged.token() : name.key());
            try {
                return retryingNewTagRaces(() -> tenant.transaction(rc, tx -> {
                    DSLContext t = tx.dsl();
                    repository.addToCounters(
                            t, row.ownerId(), row.albumId(), 1); // first: see addToCounters on lock order
                    long id = repository.insertImage(t, row);
                    FileNaming.Name chosen = byId
                            ? new FileNaming.Name(name.folder(), tenant.ids(rc).encode(id), name.extension())
                            : name;
                    repository.completeImage(
                            t, id, chosen.key(), ImageDeletion.deleteHash(rc.tenant(), id, deleteSecret));
                    Map<String, String> keys = staged.keysOf(chosen);
                    repository.insertVariants(
                            t,
                            id,
                            staged.files().stream()
                                    .filter(file -> file.variant() != null)
                                    .map(file -> new StoredImage.Variant(
                                            file.variant(),
                                            keys.get(file.stagingKey()),
                                            file.output().format().mimeType(),
                                            file.output().width(),
                                            file.output().height(),
                                            file.output().byteSize()))
                                    .toList());
                    repository.tag(
                            t,
                            id,
                            row.ownerId(),
                            tags,
                            row.createdAt(),
                            existing -> tenant.requireRoomFor(rc, TenantLimits.Limit.TAGS, existing));
                    return new Committed(id, keys);
                }));
            } catch (DataAccessException e) {
                if (!storageKeyTaken(e)) {
                    Long storage = staged.storage().id();
                    if (storage != null && !repository.storageExists(tenant.db(rc), storage)) {
                        // An admin deleted the storage while the files were staged on it (no image used it yet):
                        // the row's foreign key refused it. Sent again, the upload goes to a storage that exists.
                        throw new AppException(
                                ErrorCode.UNAVAILABLE,
                                "The storage this upload was going to was deleted meanwhile; nothing was kept."
                                        + " Please send it again.",
                                Map.of(),
                                e);
                    }
                    throw e;
                }
                log.debug("File name {} was taken by a concurrent upload; trying the next", name.key());
            }
        }
        throw new IllegalStateException("no free storage key for upload " + staged.token());
    }

    /**
     * Takes back a committed upload whose files could not be published: its row, links and counters, without an
     * entry in the deletion log (nobody saw it), and in the same transaction queues {@code keys} (files of storage
     * {@code storageId} it may have published) for deletion; returns them queued.
     */
    List<MediaRepository.QueuedBlob> takeBack(RequestContext rc, long imageId, Long storageId, List<String> keys) {
        return repository
                .find(tenant.db(rc), imageId)
                .map(image -> tenant.transaction(rc, tx -> {
                    repository.delete(tx.dsl(), image, null, rc.clientIp(), clock.instant(), false);
                    return repository.queueBlobDeletions(tx.dsl(), storageId, keys, clock.instant());
                }))
                .orElse(List.of());
    }

    /**
     * Runs the upload's transaction again (at most {@value #NEW_TAG_ATTEMPTS} times in all) while it fails only because
     * a concurrent upload created one of its new tags first: that transaction rolled back whole, and the next attempt
     * finds the tag committed and links to it. (The race of two uploads naming the same new tag at once; it answered
     * 500 before.)
     */
    private static <T> T retryingNewTagRaces(Supplier<T> transaction) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.get();
            } catch (DataAccessException e) {
                if (attempt >= NEW_TAG_ATTEMPTS || !newTagTaken(e)) {
                    throw e;
                }
                log.debug("A concurrent upload created one of this upload's new tags first; trying again");
            }
        }
    }

    /** Whether {@code e} is the unique key of images or image_variants on storage_key refusing a name already used. */
    static boolean storageKeyTaken(Throwable e) {
        return uniqueKeyRefused(e, "storage_key_uq");
    }

    /** Whether {@code e} is the unique key on tag names refusing a tag that a concurrent upload created first. */
    static boolean newTagTaken(Throwable e) {
        return uniqueKeyRefused(e, "tags_name_uq");
    }

    /** Whether {@code e} (or a cause) is a unique-key violation naming the constraint whose name ends with {@code key}. */
    private static boolean uniqueKeyRefused(Throwable e, String key) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql
                    && sql.getSQLState() != null
                    && sql.getSQLState().startsWith("23")
                    && String.valueOf(sql.getMessage()).toLowerCase(Locale.ROOT).contains(key)) {
                return true;
            }
        }
        return false;
    }
}
