package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.Storage;
import dev.tesela.storage.StorageUsage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving images' files from one storage of a site to another, an image at a time, keeping their keys: every file is
 * copied first (outside any transaction), then one short transaction points the row at the new storage and queues
 * the old copies for deletion, which happens right after (and is retried like any deletion). So at every moment each
 * image's files are complete on the storage its row names, and {@code /images/<key>} links keep working during and
 * after the move. Resumable: a run that stops (a crash, an outage, a limit) leaves the images not yet moved on
 * their storage; running it again copies over what an interrupted image had copied (a copy of the same size found
 * under the key counts as done) and goes on. An image whose files are not all on the source (an upload still
 * publishing) is skipped and reported. Thread-safe; one move per site at a time is enough (two are safe, only
 * slower).
 */
public final class StorageMove {
    private static final Logger log = LoggerFactory.getLogger(StorageMove.class);
    private static final int BATCH = 100;
    private final PerTenant tenant;
    private final MediaRepository repository;
    private final ImageDeletion deletion;
    private final Path tempDir;
    private final Clock clock;

    StorageMove(PerTenant tenant, MediaRepository repository, ImageDeletion deletion, Path tempDir, Clock clock) {
        this.tenant = tenant;
        this.repository = repository;
        this.deletion = deletion;
        this.tempDir = tempDir;
        this.clock = clock;
    }

    /**
     * Where a move stands: images moved, skipped (files missing on the source, or a failure: see the log) and left
     * of the {@code total} that were on the source when it started; bytes copied.
     */
    public record Progress(long total, long moved, long skipped, long bytes) {}

    /**
     * Moves up to {@code limit} images (0: all) from storage {@code from} to {@code to} (null: the built-in folder),
     * telling {@code progress} after each image. Stops at the first storage outage (a later run resumes).
     */
    Progress move(RequestContext rc, Long from, Long to, long limit, Consumer<Progress> progress) throws IOException {
        Storage source = tenant.storages(rc).byId(from);
        Storage target = tenant.storages(rc).byId(to);
        if (java.util.Objects.equals(from, to)) {
            throw new IllegalArgumentException("the source and the target are the same storage");
        }
        long total = repository.countImagesOn(tenant.db(rc), from);
        long moved = 0;
        long skipped = 0;
        long bytes = 0;
        long after = 0;
        Files.createDirectories(tempDir);
        while (limit == 0 || moved + skipped < limit) {
            List<Long> ids = repository.imagesOn(tenant.db(rc), from, after, BATCH);
            if (ids.isEmpty()) {
                break;
            }
            for (long id : ids) {
                after = id;
                if (limit != 0 && moved + skipped >= limit) {
                    break;
                }
                Optional<StoredImage> image = repository.find(tenant.db(rc), id);
                if (image.isEmpty()) {
                    continue; // deleted meanwhile
                }
                long copied = moveOne(rc, image.get(), source, target);
                if (copied < 0) {
                    skipped++;
                } else {
                    moved++;
                    bytes += copied;
                }
                progress.accept(new Progress(total, moved, skipped, bytes));
            }
        }
        return new Progress(total, moved, skipped, bytes);
    }

    /** Moves one image; the bytes copied, or -1 when it was skipped. Storage outages are thrown (the run stops). */
    private long moveOne(RequestContext rc, StoredImage image, Storage source, Storage target) throws IOException {
        Map<String, String> files = new LinkedHashMap<>(); // key → content type
        files.put(image.storageKey(), image.mediaType());
        long size = image.byteSize();
        for (StoredImage.Variant v : image.variants().values()) {
            files.put(v.storageKey(), v.mediaType());
            size += v.byteSize();
        }
        if (target.id() != null && !StorageUsage.reserve(rc.db(), target.id(), size)) {
            throw new IOException("storage " + target.id() + " (" + target.name() + ") is full");
        }
        boolean done = false;
        try {
            long copied = 0;
            for (Map.Entry<String, String> file : files.entrySet()) {
                long n = copy(tenant.files(source), tenant.files(target), file.getKey(), file.getValue());
                if (n < 0) {
                    log.warn(
                            "Image {} of tenant {}: file {} is not on {}; skipped",
                            image.id(),
                            rc.tenant().id(),
                            file.getKey(),
                            source);
                    return -1;
                }
                copied += n;
            }
            List<String> keys = new ArrayList<>(files.keySet());
            List<MediaRepository.QueuedBlob> queued;
            try {
                queued = tenant.transaction(rc, tx -> {
                    if (!repository.moveImage(tx.dsl(), image.id(), source.id(), target.id())) {
                        return null; // deleted or moved meanwhile
                    }
                    return repository.queueBlobDeletions(tx.dsl(), source.id(), keys, clock.instant());
                });
            } catch (org.jooq.exception.DataAccessException e) {
                if (target.id() != null && !repository.storageExists(tenant.db(rc), target.id())) {
                    // An admin deleted the target (no image used it yet): the row's foreign key refused the move.
                    throw new IllegalArgumentException("storage " + target.id() + " (" + target.name() + ") was"
                            + " deleted meanwhile; the images not moved yet stay where they are");
                }
                throw e;
            }
            if (queued == null) {
                if (repository.find(tenant.db(rc), image.id()).isEmpty()) {
                    // Deleted meanwhile: the copies belong to no row; they go like any deleted file.
                    List<MediaRepository.QueuedBlob> orphans = tenant.transaction(
                            rc, tx -> repository.queueBlobDeletions(tx.dsl(), target.id(), keys, clock.instant()));
                    deletion.deleteQueued(rc, orphans);
                } // else moved by a concurrent run: to this target (the copies are its files now) or elsewhere
                return -1;
            }
            done = true;
            if (source.id() != null) {
                StorageUsage.release(rc.db(), source.id(), size);
            }
            tenant.filesDeleted(rc, keys); // cached copies name the old storage: look the keys up again
            deletion.deleteQueued(rc, queued);
            return copied;
        } finally {
            if (!done && target.id() != null) {
                StorageUsage.release(rc.db(), target.id(), size);
            }
        }
    }

    /**
     * Copies {@code key} from {@code from} to {@code to} through a temporary file; the bytes copied (0 when an equal
     * copy is there already, from an interrupted run), or -1 when {@code from} has no such file.
     */
    private long copy(BlobStore from, BlobStore to, String key, String contentType) throws IOException {
        Optional<BlobStore.BlobStat> there = to.stat(key);
        Optional<BlobStore.BlobStat> here = from.stat(key);
        if (here.isEmpty()) {
            return -1;
        }
        if (there.isPresent()) {
            Optional<Path> source = from.localFile(key);
            Optional<Path> target = to.localFile(key);
            if (source.isPresent() && target.isPresent() && Files.isSameFile(source.get(), target.get())) {
                // One folder under two storages (a row naming the built-in folder, say): the "old" copies queued for
                // deletion after the move would be the files themselves.
                throw new IllegalArgumentException("both storages keep their files in the same folder (" + key
                        + " is one file on both), so moving would delete them");
            }
            if (there.get().byteSize() == here.get().byteSize()) {
                return 0;
            }
            throw new IOException("a different file is already under " + key + " on the target storage");
        }
        Path temp = Files.createTempFile(tempDir, "move", ".part");
        try {
            Optional<InputStream> in = from.open(key);
            if (in.isEmpty()) {
                return -1;
            }
            try (InputStream stream = in.get()) {
                Files.copy(stream, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            to.putNew(key, temp, contentType);
            return Files.size(temp);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
