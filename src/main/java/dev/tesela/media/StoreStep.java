package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.error.Outages;
import dev.tesela.platform.security.Crypto;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.FileNaming;
import dev.tesela.storage.SiteStorages;
import dev.tesela.storage.Storage;
import dev.tesela.storage.StorageUsage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file side of the "store" step, all of it outside any transaction: the upload gets a storage of its site (one
 * with room for its files, which it reserves first; see {@link SiteStorages#forUpload}), its files are staged there
 * under a random token ({@code <token>/main.jpg}, {@code <token>/thumb.jpeg}…) where nothing is ever served, and published under their
 * keys only after {@link UploadRecorder} committed the row; {@link #recover} finishes what a crash interrupted. So no
 * row is left without its files, no file without its row, and no file is served before its row committed. Thread-safe.
 */
final class StoreStep {
    private static final Logger log = LoggerFactory.getLogger(StoreStep.class);
    private final PerTenant tenant;
    private final MediaRepository repository;
    private final Clock clock;

    StoreStep(PerTenant tenant, MediaRepository repository, Clock clock) {
        this.tenant = tenant;
        this.repository = repository;
        this.clock = clock;
    }

    /** A file of an upload in the staging area: the main file ({@code variant} null) or a variant. */
    record StagedFile(String stagingKey, String variant, ProcessedImage.Output output) {}

    /**
     * An upload's files in the staging area of {@code storage} (its files in {@code store}), all under {@code token},
     * the main file first; {@code bytes} reserved on the storage for them.
     */
    record Staged(Storage storage, BlobStore store, String token, long bytes, List<StagedFile> files) {

        /** Each staged file's key under {@code name}: the main key, or the variant's key (thumb, medium). */
        Map<String, String> keysOf(FileNaming.Name name) {
            Map<String, String> keys = new LinkedHashMap<>();
            for (StagedFile file : files) {
                keys.put(
                        file.stagingKey(),
                        file.variant() == null
                                ? name.key()
                                : name.variantKey(
                                        "thumb".equals(file.variant())
                                                ? FileNaming.Variant.THUMB
                                                : FileNaming.Variant.MEDIUM,
                                        file.output().format().extension()));
            }
            return keys;
        }
    }

    /**
     * Chooses the upload's storage and reserves room on it, then stages the main file and its variants as
     * {@code <token>/main.<ext>}, {@code <token>/<variant>.<ext>} under a new random token; on a failure discards
     * what it staged, gives the room back and rethrows. A storage that does not answer fails within its bounded time
     * ({@link BlobStore.StoreUnavailableException}).
     */
    Staged stage(RequestContext rc, ProcessedImage processed, String extension) throws IOException {
        long bytes = processed.main().byteSize();
        for (ProcessedImage.Output v : processed.variants()) {
            bytes += v.byteSize();
        }
        Storage storage = reserveRoom(rc, bytes);
        BlobStore store = tenant.files(storage);
        String token = java.util.HexFormat.of().formatHex(Crypto.randomBytes(16));
        List<StagedFile> files = new ArrayList<>();
        try {
            ProcessedImage.Output main = processed.main();
            StagedFile mainFile = new StagedFile(token + "/main." + extension, null, main);
            store.stage(mainFile.stagingKey(), main.file(), main.format().mimeType());
            files.add(mainFile);
            for (ProcessedImage.Output v : processed.variants()) {
                StagedFile file = new StagedFile(
                        token + "/" + v.variant() + "." + v.format().extension(), v.variant(), v);
                store.stage(file.stagingKey(), v.file(), v.format().mimeType());
                files.add(file);
            }
            return new Staged(storage, store, token, bytes, List.copyOf(files));
        } catch (IOException | RuntimeException e) {
            abandon(rc, new Staged(storage, store, token, bytes, files));
            throw e;
        }
    }

    /**
     * The storage that takes {@code bytes}, with the room reserved on it (a storage of the table; the built-in
     * folder keeps no count). The runtime's picture of used bytes is a snapshot, so a storage it believes has room
     * may be full: the reservation (one conditional statement) decides, and the choice is made again without it.
     */
    private Storage reserveRoom(RequestContext rc, long bytes) {
        SiteStorages storages = tenant.storages(rc);
        Set<Long> full = new HashSet<>();
        while (true) {
            Storage storage = storages.forUpload(bytes, full);
            if (storage.id() == null || StorageUsage.reserve(rc.db(), storage.id(), bytes)) {
                return storage;
            }
            if (!full.add(storage.id())) {
                throw new IllegalStateException("storage " + storage.id() + " chosen again after it was full");
            }
        }
    }

    /**
     * Whether a file exists under any key the upload's files would have under {@code name}: a file whose deletion is
     * still queued, or one of unknown origin. (Between concurrent uploads, the database's unique keys decide.)
     */
    boolean anyTaken(Staged staged, FileNaming.Name name) throws IOException {
        for (String key : staged.keysOf(name).values()) {
            if (staged.store().stat(key).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** Takes a committed upload back: removes its row and queues {@code keys} of its storage for deletion. */
    @FunctionalInterface
    interface TakeBack {
        void run(List<String> keys);
    }

    /**
     * Moves the committed upload's files to their {@code keys} (staging key → key). A file that cannot be published
     * (the storage is out of reach, its key holds a file of unknown origin, or the staged file is gone because
     * recovery discarded it after the grace period) takes the upload back: {@code takeBack} removes the row and queues
     * the files published so far, and the one whose publishing failed (it may have landed), for deletion through the
     * persisted queue (so an outage that stops their deletion now leaves no orphan: the queue retries), staged files
     * are discarded, and the caller is told to retry (503).
     */
    void publish(RequestContext rc, Staged staged, Map<String, String> keys, long imageId, TakeBack takeBack) {
        List<String> published = new ArrayList<>();
        try {
            for (StagedFile file : staged.files()) {
                String key = keys.get(file.stagingKey());
                published.add(key); // before the call: a call that fails may still have moved the file
                if (!staged.store().publish(file.stagingKey(), key)
                        && staged.store().stat(key).isEmpty()) {
                    published.removeLast();
                    throw new IOException("staged file " + file.stagingKey() + " vanished before it was published");
                }
            }
        } catch (IOException | RuntimeException e) {
            Optional<AppException> outage = Outages.classify(e);
            if (outage.isPresent()) {
                log.warn(
                        "Publishing upload {} of tenant {} failed, its storage is out of reach; taking it back: {}",
                        imageId,
                        rc.tenant().id(),
                        e.toString());
            } else {
                log.error(
                        "Publishing upload {} of tenant {} failed; taking it back",
                        imageId,
                        rc.tenant().id(),
                        e);
            }
            takeBack.run(published);
            release(rc, staged);
            discard(staged);
            throw outage.orElseGet(() ->
                    new AppException(ErrorCode.BUSY, "The file could not be stored. Please try again.", Map.of(), e));
        }
    }

    /**
     * Gives up an upload whose row did not commit: discards its staged files and gives its room on the storage back.
     */
    void abandon(RequestContext rc, Staged staged) {
        discard(staged);
        release(rc, staged);
    }

    private static void release(RequestContext rc, Staged staged) {
        if (staged.storage().id() != null) {
            try {
                StorageUsage.release(rc.db(), staged.storage().id(), staged.bytes());
            } catch (RuntimeException e) {
                log.warn(
                        "Could not give back {} bytes of storage {} (a recount will): {}",
                        staged.bytes(),
                        staged.storage().id(),
                        e.toString());
            }
        }
    }

    /** Discards the upload's staged files; one that cannot be discarded now is left to {@link #recover}. */
    private void discard(Staged staged) {
        for (StagedFile file : staged.files()) {
            try {
                staged.store().discardStaged(file.stagingKey());
            } catch (IOException | RuntimeException e) {
                log.warn("Could not discard staged file {} (recovery will): {}", file.stagingKey(), e.toString());
            }
        }
    }

    /**
     * Recovery of uploads a crash interrupted, in {@code rc}'s tenant, looking at up to {@code limit} staged files of
     * each of its storages:
     * those whose row committed are published; those without a row are discarded once staged longer than
     * {@code grace} ago (younger ones may belong to uploads in progress, here or on another instance). Returns how many
     * staged files it published or discarded. Safe to run on several instances at once.
     */
    int recover(RequestContext rc, Duration grace, int limit) {
        SiteStorages storages = tenant.storages(rc);
        List<Storage> all = new ArrayList<>();
        storages.builtIn().ifPresent(all::add);
        all.addAll(storages.rows());
        int done = 0;
        for (Storage storage : all) {
            done += recover(rc, storage, grace, limit);
        }
        return done;
    }

    private int recover(RequestContext rc, Storage storage, Duration grace, int limit) {
        BlobStore store = tenant.files(storage);
        List<BlobStore.StagedBlob> staged;
        try {
            staged = store.staged(limit);
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "Could not list the staged files of tenant {} on {}: {}",
                    rc.tenant().id(),
                    storage,
                    e.toString());
            return 0;
        }
        Map<String, List<BlobStore.StagedBlob>> byToken = new LinkedHashMap<>();
        for (BlobStore.StagedBlob blob : staged) {
            int slash = blob.stagingKey().indexOf('/');
            byToken.computeIfAbsent(
                            slash < 0 ? blob.stagingKey() : blob.stagingKey().substring(0, slash),
                            t -> new ArrayList<>())
                    .add(blob);
        }
        Map<String, Map<String, String>> committed = repository.stagedUploads(tenant.db(rc), byToken.keySet());
        Instant cutoff = clock.instant().minus(grace);
        int done = 0;
        for (Map.Entry<String, List<BlobStore.StagedBlob>> upload : byToken.entrySet()) {
            Map<String, String> keys = committed.get(upload.getKey());
            for (BlobStore.StagedBlob blob : upload.getValue()) {
                try {
                    if (keys != null) {
                        String file =
                                blob.stagingKey().substring(blob.stagingKey().indexOf('/') + 1);
                        String key =
                                keys.get(file.substring(0, file.indexOf('.') < 0 ? file.length() : file.indexOf('.')));
                        if (key == null) {
                            log.warn(
                                    "Staged file {} of tenant {} matches no file of its image; kept",
                                    blob.stagingKey(),
                                    rc.tenant().id());
                        } else if (store.publish(blob.stagingKey(), key)) {
                            done++;
                        }
                    } else if (blob.stagedAt().isBefore(cutoff) && store.discardStaged(blob.stagingKey())) {
                        done++;
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn(
                            "Could not recover staged file {} of tenant {}: {}",
                            blob.stagingKey(),
                            rc.tenant().id(),
                            e.toString());
                }
            }
        }
        if (done > 0) {
            log.info(
                    "Recovered {} staged file(s) of tenant {} (published or discarded)",
                    done,
                    rc.tenant().id());
        }
        return done;
    }
}
