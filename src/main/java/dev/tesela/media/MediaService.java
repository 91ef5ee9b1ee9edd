package dev.tesela.media;

import dev.tesela.account.Access;
import dev.tesela.imaging.ImageInfo;
import dev.tesela.imaging.ImageProcessor;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.error.Outages;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.FileNaming;
import dev.tesela.storage.NamingMethod;
import dev.tesela.storage.Storage;
import dev.tesela.storage.StorageMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Uploads, lookups and deletion of images: the use case, told as its steps, each its own class. An upload runs
 * check ({@link UploadChecks}: permission, limits, album, duplicates) → receive ({@link UploadReceiver}) → sniff, limit,
 * process ({@link ImagePipeline}) → stage the files ({@link StoreStep}) → record the row in one short transaction with
 * no I/O in it ({@link UploadRecorder}) → publish the files ({@link StoreStep}). A failure before the commit discards
 * the staged files, one after it takes the row back; a crash leaves only staged files, which {@link #recoverStaged}
 * publishes or discards: no row stays without its files, no file without its row, and no file is served before its
 * row committed. Temp files are removed whatever happens (and swept at start-up). Deletion is {@link ImageDeletion};
 * who may do what is {@link Access}. Thread-safe.
 */
public final class MediaService {
    private static final Logger log = LoggerFactory.getLogger(MediaService.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PerTenant tenant;
    private final MediaRepository repository;
    private final UploadChecks checks;
    private final UploadReceiver receiver;
    private final ImagePipeline pipeline;
    private final StoreStep store;
    private final UploadRecorder recorder;
    private final ImageDeletion deletion;
    private final StorageMove move;
    private final Clock clock;

    private MediaService(
            PerTenant tenant,
            ImagePipeline pipeline,
            UploadReceiver receiver,
            long hardMaxBytes,
            Path moveDir,
            Clock clock) {
        MediaRepository repository = new MediaRepository();
        this.tenant = tenant;
        this.repository = repository;
        this.checks = new UploadChecks(tenant, repository, hardMaxBytes, clock);
        this.receiver = receiver;
        this.pipeline = pipeline;
        this.store = new StoreStep(tenant, repository, clock);
        this.recorder = new UploadRecorder(tenant, repository, clock);
        this.deletion = new ImageDeletion(tenant, repository, clock);
        this.move = new StorageMove(tenant, repository, deletion, moveDir, clock);
        this.clock = clock;
    }

    /**
     * Wires the media feature: {@code tempDir} receives uploads in progress; {@code stores} gives a storage its file
     * store ({@code Storage::store}; tests put a failing one in front).
     */
    public static MediaService create(
            ImageProcessor engine,
            TeselaConfig.Media config,
            Path tempDir,
            Function<Storage, BlobStore> stores,
            Clock clock) {
        Receiver receiver = new Receiver(tempDir);
        ImagePipeline pipeline =
                new ImagePipeline(engine, config, new ProcessingGate(config.workers(), config.queueWait()), receiver);
        return new MediaService(
                new PerTenant(stores),
                pipeline,
                new UploadReceiver(receiver, UrlFetcher.create(config.urlAllowPrivate())),
                config.maxUploadBytes(),
                tempDir,
                clock);
    }

    /**
     * Removes every file directly in {@code dir}: what a previous process left there when it died mid-upload (temp
     * files of uploads, multipart parts). Only when this process starts, before it takes requests; the directory is
     * this process's own scratch space. Returns how many files were removed.
     */
    public static int sweepTemporaryFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(f)) {
                        removed++;
                    }
                } catch (IOException e) {
                    log.warn("Could not remove stale temp file {}: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            log.warn("Could not sweep {}: {}", dir, e.toString());
        }
        return removed;
    }

    /** The engine doing the work, for logs and health output. */
    public String engineDescription() {
        return pipeline.engine().description();
    }

    /** Where {@code storage}'s files live (through the store function tests may put a failing store in). */
    BlobStore files(Storage storage) {
        return tenant.files(storage);
    }

    /**
     * Where {@code image} (public id {@code publicId}) can be reached on the site at {@code baseUrl}: its files' direct
     * links point at its storage's public URL when it has one, else through the site ({@code /images/<key>}). A storage
     * that is no longer there (deleted meanwhile) links through the site, which answers 404.
     */
    public ImageLinks links(RequestContext rc, String baseUrl, String publicId, StoredImage image) {
        Optional<String> publicUrl =
                rc.tenant().storages().find(image.storageId()).flatMap(Storage::publicUrl);
        return ImageLinks.of(baseUrl, publicUrl, publicId, image);
    }

    /**
     * The store holding the stored file {@code key} of {@code rc}'s tenant (an image's main file or a variant: the
     * storage its image's row names, the built-in folder for none), or empty when no image has that key or its storage
     * is not there any more (deleted, or local storage disabled). One query.
     */
    Optional<BlobStore> fileStore(RequestContext rc, String key) {
        return repository
                .fileHome(tenant.db(rc), key)
                .flatMap(home -> rc.tenant().storages().find(home.storageId()))
                .map(tenant::files);
    }

    /**
     * Adds {@code listener} to those told that files of a tenant are being deleted (the file server, which drops them
     * from its cache; see {@code PerTenant#filesDeleted}).
     */
    void onFilesDeleted(java.util.function.BiConsumer<TenantContext, java.util.Collection<String>> listener) {
        tenant.onFilesDeleted(listener);
    }

    /**
     * Tells those listeners that the files {@code keys} of {@code rc}'s tenant are being deleted: right after the
     * transaction that dropped their rows commits ({@code PerTenant#filesDeleted}, which the deletion steps call).
     */
    void filesDeleted(RequestContext rc, java.util.Collection<String> keys) {
        tenant.filesDeleted(rc, keys);
    }

    public PublicIds publicIds(RequestContext rc) {
        return tenant.ids(rc);
    }

    /**
     * What the upload page needs to know about the caller, from one settings read.
     *
     * @param expirationChoice whether an expiration the caller picks is honoured (expirable uploads are on and no
     *                         automatic expiry is forced on guests)
     * @param forcedExpiry     the automatic expiry of a guest's uploads, when the site sets one; else null
     */
    public record UploadOptions(boolean allowed, long maxBytes, boolean expirationChoice, Duration forcedExpiry) {}

    public UploadOptions uploadOptions(RequestContext rc) {
        MediaSettings site = tenant.settings(rc);
        boolean guest = rc.principal() instanceof Principal.Guest;
        Duration forced =
                site.expirableUploads() && guest && !site.guestExpiration().isBlank()
                        ? UploadFields.parseExpiration(site.guestExpiration()).orElse(null)
                        : null;
        return new UploadOptions(
                checks.allowed(rc, site),
                checks.maxBytes(rc, site),
                site.expirableUploads() && !(guest && !site.guestExpiration().isBlank()),
                forced);
    }

    /** Stores one upload for the caller. Bad input: AppException (4xx) and nothing left behind. */
    public UploadResult upload(RequestContext rc, UploadRequest request) {
        MediaSettings site = tenant.settings(rc);
        checks.requireAllowed(rc, site);
        UploadFields fields = checks.fields(rc, site, request);
        long maxBytes = checks.maxBytes(rc, site);
        UploadChecks.Destination destination = checks.beforeWork(rc, fields);
        checks.requireSourceAllowed(rc, site, request.source());
        ReceivedFile received = receiver.receive(request.source(), maxBytes);
        try {
            checks.rejectDuplicate(rc, site, received.sha256());
            ImageInfo info = pipeline.sniff(received);
            pipeline.limit(info, site, fields.width());
            try (ProcessedImage processed = pipeline.process(received, info, site, fields.width())) {
                if (processed.sourceSha256() != null) {
                    checks.rejectDuplicate(rc, site, processed.main().sha256()); // the file as it will be stored
                }
                return store(rc, site, fields, destination, received, processed);
            }
        } catch (AppException e) {
            throw e;
        } catch (Exception e) {
            var outage = Outages.classify(e);
            if (outage.isPresent()) {
                // Pool exhausted or the database/Redis down: a 503 with Retry-After, not a bug to log with a trace.
                log.warn(
                        "Upload by {} refused, a dependency is busy or down (request {}): {}",
                        rc.principal(),
                        rc.requestId(),
                        e.toString());
                throw outage.get();
            }
            log.error("Upload by {} failed (request {})", rc.principal(), rc.requestId(), e);
            throw new AppException(
                    ErrorCode.INTERNAL, "The upload failed on our side. The error was logged.", Map.of(), e);
        } finally {
            deleteQuietly(received);
        }
    }

    /** The image with public id {@code publicId}, if it exists on the caller's site and has not expired. */
    public Optional<StoredImage> find(RequestContext rc, String publicId) {
        return tenant.ids(rc)
                .decodeStrict(publicId)
                .flatMap(id -> repository.find(tenant.db(rc), id))
                .filter(image -> image.expiresAt() == null || image.expiresAt().isAfter(clock.instant()));
    }

    /** Deletes the image if {@code secret} is its delete-link secret; false (and nothing changed) otherwise. */
    public boolean deleteWithSecret(RequestContext rc, String publicId, String secret) {
        if (secret == null || secret.length() < 20 || secret.length() > 100) {
            return false;
        }
        return tenant.ids(rc)
                .decodeStrict(publicId)
                .map(id -> deletion.withSecret(rc, id, secret))
                .orElse(false);
    }

    /** Deletes an image: its owner, moderators, and the system (see {@link Access}). */
    public void delete(RequestContext rc, String publicId) {
        StoredImage image = find(rc, publicId).orElseThrow(() -> AppException.notFound("There is no such image."));
        Access.require(rc, Access.Action.DELETE_IMAGE, new Access.Resource.Image(image.ownerId()));
        deletion.delete(rc, image);
    }

    /** Deletes up to {@code batch} expired images of the tenant; returns how many. For the purge job. */
    public int purgeExpired(RequestContext rc, int batch) {
        int deleted = 0;
        for (long id : repository.expired(tenant.db(rc), clock.instant(), batch)) {
            Optional<StoredImage> image = repository.find(tenant.db(rc), id);
            if (image.isPresent()) {
                deletion.delete(rc, image.get());
                deleted++;
            }
        }
        return deleted;
    }

    /**
     * Tries again the queued file deletions of {@code rc}'s tenant that are due, at most {@code limit}; returns how
     * many files were deleted. A failure waits longer each time (1 minute doubling, at most a day) and is logged.
     */
    public int retryBlobDeletions(RequestContext rc, int limit) {
        return deletion.retry(rc, limit);
    }

    /** Files queued for deletion in {@code rc}'s tenant (storage keys, in queue order). */
    public List<String> queuedBlobDeletions(RequestContext rc) {
        return deletion.queued(rc);
    }

    /**
     * Moves the files of up to {@code limit} images (0: all) from storage {@code from} to storage {@code to} (null:
     * the site's built-in folder), keeping their keys and links (see {@link StorageMove}); {@code progress} hears
     * after each image. Administrators (and the system) only. Resumable: run it again after an interruption.
     */
    public StorageMove.Progress moveFiles(
            RequestContext rc,
            Long from,
            Long to,
            long limit,
            java.util.function.Consumer<StorageMove.Progress> progress) {
        Access.require(rc, Access.Action.MANAGE_STORAGES, Access.Resource.SITE);
        try {
            return move.move(rc, from, to, limit, progress);
        } catch (IllegalArgumentException e) {
            throw new AppException(ErrorCode.INVALID_INPUT, "Cannot move: " + e.getMessage() + ".");
        } catch (IOException e) {
            throw Outages.classify(e)
                    .orElseGet(() -> new AppException(
                            ErrorCode.BUSY,
                            "The move stopped: " + e.getMessage() + ". Run it again to go on.",
                            Map.of(),
                            e));
        }
    }

    /**
     * Recovery of uploads a crash interrupted, in {@code rc}'s tenant, looking at up to {@code limit} staged files:
     * those whose row committed are published; those without a row are discarded once staged longer than
     * {@code grace} ago (younger ones may belong to uploads in progress, here or on another instance). Returns how many
     * staged files it published or discarded. Safe to run on several instances at once.
     */
    public int recoverStaged(RequestContext rc, Duration grace, int limit) {
        return store.recover(rc, grace, limit);
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Stages the files (outside any transaction), commits the row in one short transaction, then publishes the
     * files. A failure before the commit discards the staged files; a failure to publish takes the row back and
     * deletes what was published. A crash at any point leaves staged files that {@link #recoverStaged} publishes
     * (row committed) or discards (no row, after the grace period).
     */
    private UploadResult store(
            RequestContext rc,
            MediaSettings site,
            UploadFields fields,
            UploadChecks.Destination destination,
            ReceivedFile received,
            ProcessedImage processed)
            throws IOException {
        Instant now = clock.instant();
        Long ownerId = rc.principal() instanceof Principal.User u ? u.userId() : null;
        ProcessedImage.Output main = processed.main();
        String extension = extension(main, received.clientName());
        String title = fields.title()
                .or(processed.metadata()::title)
                .orElseGet(() -> UploadFields.titleFromName(received.clientName()));
        String description =
                fields.description().or(processed.metadata()::description).orElse(null);
        String exifJson = exifJson(processed, site);
        String secret = Crypto.randomBase62(40);
        StoreStep.Staged staged = store.stage(rc, processed, extension);
        UploadRecorder.Committed committed;
        try {
            NamingMethod method = NamingMethod.fromSetting(site.naming());
            FileNaming.Upload naming = new FileNaming.Upload(
                    method,
                    StorageMode.fromSetting(site.storageMode()),
                    LocalDate.ofInstant(now, ZoneOffset.UTC),
                    received.clientName(),
                    extension,
                    method == NamingMethod.ID ? "pending" : null);
            MediaRepository.NewImage row = new MediaRepository.NewImage(
                    null,
                    staged.token(),
                    staged.storage().id(),
                    ownerId,
                    destination.albumId(),
                    destination.categoryId(),
                    site.storageMode(),
                    UploadFields.truncate(received.clientName(), 255),
                    title,
                    description,
                    main.format().mimeType(),
                    extension,
                    main.width(),
                    main.height(),
                    main.frames(),
                    main.byteSize(),
                    processed.metadata().panorama360(),
                    main.sha256(),
                    main.md5(),
                    processed.sourceSha256(),
                    exifJson,
                    fields.nsfw(),
                    rc.clientIp(),
                    fields.expiresAt(),
                    now);
            committed = recorder.record(
                    rc, row, fields.tags(), secret, staged, naming, name -> store.anyTaken(staged, name));
        } catch (RuntimeException | IOException e) {
            store.abandon(rc, staged);
            throw e;
        }
        store.publish(
                rc,
                staged,
                committed.keys(),
                committed.id(),
                keys -> deletion.deleteQueued(
                        rc,
                        recorder.takeBack(rc, committed.id(), staged.storage().id(), keys)));
        // The view is built from what was just written, not read back: a read after the commit could wait out the
        // pool under load and answer 503 for an upload that was stored (UploadLoadTest), and would cost 3 queries.
        Map<String, StoredImage.Variant> variants = new LinkedHashMap<>();
        String mainKey = null;
        for (StoreStep.StagedFile file : staged.files()) {
            String key = committed.keys().get(file.stagingKey());
            if (file.variant() == null) {
                mainKey = key;
            } else {
                ProcessedImage.Output v = file.output();
                variants.put(
                        v.variant(),
                        new StoredImage.Variant(
                                v.variant(), key, v.format().mimeType(), v.width(), v.height(), v.byteSize()));
            }
        }
        String ownerName = rc.principal() instanceof Principal.User u ? u.username() : null;
        StoredImage image = new StoredImage(
                committed.id(),
                ownerId,
                ownerName,
                destination.albumId(),
                destination.categoryId(),
                staged.storage().id(),
                mainKey,
                UploadFields.truncate(received.clientName(), 255),
                title,
                description,
                main.format().mimeType(),
                extension,
                main.width(),
                main.height(),
                main.frames(),
                main.byteSize(),
                main.sha256(),
                main.md5(),
                exifJson,
                fields.nsfw(),
                0,
                0,
                fields.expiresAt() == null ? null : fields.expiresAt().truncatedTo(ChronoUnit.MICROS),
                now.truncatedTo(ChronoUnit.MICROS),
                fields.tags().stream().sorted().toList(),
                Map.copyOf(variants));
        return new UploadResult(image, secret);
    }

    /** The stored extension: the format's, except that a JPEG sent as *.jpg keeps "jpg". */
    private static String extension(ProcessedImage.Output main, String clientName) {
        if (main.format() == dev.tesela.imaging.ImageFormat.JPEG
                && clientName != null
                && clientName.toLowerCase(Locale.ROOT).endsWith(".jpg")) {
            return "jpg";
        }
        return main.format().extension();
    }

    private static String exifJson(ProcessedImage processed, MediaSettings site) {
        Map<String, String> exif = processed.metadata().exif(site.keepGps());
        return exif.isEmpty() ? null : JSON.writeValueAsString(exif);
    }

    private static void deleteQuietly(ReceivedFile received) {
        try {
            Files.deleteIfExists(received.path());
        } catch (IOException e) {
            log.warn("Could not delete temp file {}: {}", received.path(), e.toString());
        }
    }
}
