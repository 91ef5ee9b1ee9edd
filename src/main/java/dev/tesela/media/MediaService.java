package dev.tesela.media;

import dev.tesela.imaging.ImageInfo;
import dev.tesela.imaging.ImageProcessor;
import dev.tesela.platform.config.TeselaConfig;
import java.nio.file.Path;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.db.Transactions;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.settings.SettingsService;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.FileNaming;
import dev.tesela.storage.NamingMethod;
import dev.tesela.storage.StorageMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Uploads, lookups and deletion of images. An upload runs receive → sniff → limit → process (in
 * {@link ImagePipeline}) → store (here): the files are staged (never served), the row is committed in one short
 * transaction with no I/O in it, then the files are published under their keys; a failure before the commit
 * discards the staged files, one after it takes the row back. A crash leaves only staged files, which
 * {@link #recoverStaged} publishes or discards: no row stays without its files, no file without its row, and no
 * file is served before its row committed. Temp files are removed whatever happens (and swept at start-up).
 * Transactions that conflict transiently (deadlocks) are retried by {@link Transactions}.
 */
public final class MediaService {
    private static final Logger log = LoggerFactory.getLogger(MediaService.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern TAG = Pattern.compile("^[\\p{L}\\p{N} _.-]{1,32}$");
    static final int MAX_TAGS = 20;
    static final Duration MIN_EXPIRY = Duration.ofMinutes(5);
    static final Duration MAX_EXPIRY = Duration.ofDays(366);
    private static final int NEW_TAG_ATTEMPTS = 3;

    private final TenantDatabases databases;
    private final SettingsService settings;
    private final ImagePipeline pipeline;
    private final Receiver receiver;
    private final UrlFetcher fetcher;
    private final Function<TenantContext, BlobStore> blobStores;
    private final PublicIdCodecs ids;
    private final long hardMaxBytes;
    private final Clock clock;
    private final TenantLimits limits;
    private final MediaRepository repository = new MediaRepository();

    MediaService(TenantDatabases databases, SettingsService settings, ImagePipeline pipeline, Receiver receiver,
                 UrlFetcher fetcher, Function<TenantContext, BlobStore> blobStores, PublicIdCodecs ids, long hardMaxBytes,
                 TenantLimits limits, Clock clock) {
        this.limits = limits;
        this.databases = databases;
        this.settings = settings;
        this.pipeline = pipeline;
        this.receiver = receiver;
        this.fetcher = fetcher;
        this.blobStores = blobStores;
        this.ids = ids;
        this.hardMaxBytes = hardMaxBytes;
        this.clock = clock;
    }

    /** Wires the media feature: {@code tempDir} receives uploads in progress, {@code blobStores} gives each tenant its store. */
    public static MediaService create(TenantDatabases databases, SettingsService settings, ImageProcessor engine,
                                      TeselaConfig.Media config, Path tempDir, Function<TenantContext, BlobStore> blobStores,
                                      TenantLimits limits, Clock clock) {
        Receiver receiver = new Receiver(tempDir);
        ImagePipeline pipeline = new ImagePipeline(engine, config, new ProcessingGate(config.workers(), config.queueWait()), receiver);
        return new MediaService(databases, settings, pipeline, receiver, UrlFetcher.create(config.urlAllowPrivate()),
                blobStores, new PublicIdCodecs(), config.maxUploadBytes(), limits, clock);
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

    public BlobStore blobStore(TenantContext tenant) {
        return blobStores.apply(tenant);
    }

    public PublicIds publicIds(RequestContext rc) {
        return ids.of(rc);
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
        MediaSettings site = MediaSettings.from(settings.all(rc));
        boolean guest = rc.principal() instanceof Principal.Guest;
        Duration forced = site.expirableUploads() && guest && !site.guestExpiration().isBlank()
                ? parseExpiration(site.guestExpiration()).orElse(null) : null;
        return new UploadOptions(permitted(rc, site), maxBytes(rc, site),
                site.expirableUploads() && !(guest && !site.guestExpiration().isBlank()), forced);
    }

    /** The largest file the caller may upload: the site's setting for guests or users, under the installation's cap. */
    private long maxBytes(RequestContext rc, MediaSettings site) {
        long bySite = Math.min(hardMaxBytes, rc.principal() instanceof Principal.Guest ? site.maxBytesGuest() : site.maxBytesUser());
        return Math.min(bySite, limits.of(rc.tenant(), TenantLimits.Limit.UPLOAD_SIZE).orElse(Long.MAX_VALUE));
    }

    /** Stores one upload for the caller. Bad input: AppException (4xx) and nothing left behind. */
    public UploadResult upload(RequestContext rc, UploadRequest request) {
        MediaSettings site = MediaSettings.from(settings.all(rc));
        if (!permitted(rc, site)) {
            throw rc.principal() instanceof Principal.Guest
                    ? new AppException(ErrorCode.UNAUTHORIZED, "Sign in to upload images.")
                    : AppException.forbidden("Uploads are disabled on this site.");
        }
        Fields fields = Fields.parse(request, site, rc.principal(), clock)
                .withTagsCappedAt(limits.of(rc.tenant(), TenantLimits.Limit.TAGS_PER_FILE));
        long maxBytes = maxBytes(rc, site);
        DSLContext dsl = databases.of(rc);
        requireStoragesActive(rc, dsl);
        // Checked before the work; two uploads racing for the last free slot may both pass (at most one over per
        // concurrent upload), which is the price of not counting rows inside every upload's transaction.
        limits.requireRoomFor(rc.tenant(), TenantLimits.Limit.FILES, repository.countImages(dsl));
        Long albumId = fields.album(ids.of(rc)).filter(id -> rc.principal() instanceof Principal.User u
                && repository.albumOwnedBy(dsl, id, u.userId())).orElse(null);
        Long categoryId = fields.categoryId().filter(id -> repository.categoryExists(dsl, id)).orElse(null);

        ReceivedFile received = receive(rc, request.source(), site, maxBytes);
        try {
            rejectDuplicate(rc, dsl, site, received.sha256());
            ImageInfo info = pipeline.sniff(received);
            pipeline.limit(info, site, fields.width());
            try (ProcessedImage processed = pipeline.process(received, info, site, fields.width())) {
                return store(rc, dsl, site, fields, received, processed, albumId, categoryId);
            }
        } catch (AppException e) {
            throw e;
        } catch (Exception e) {
            var outage = dev.tesela.platform.error.Outages.classify(e);
            if (outage.isPresent()) {
                // Pool exhausted or the database/Redis down: a 503 with Retry-After, not a bug to log with a trace.
                log.warn("Upload by {} refused, a dependency is busy or down (request {}): {}", rc.principal(), rc.requestId(), e.toString());
                throw outage.get();
            }
            log.error("Upload by {} failed (request {})", rc.principal(), rc.requestId(), e);
            throw new AppException(ErrorCode.INTERNAL, "The upload failed on our side. The error was logged.", Map.of(), e);
        } finally {
            deleteQuietly(received);
        }
    }

    /** The image with public id {@code publicId}, if it exists on the caller's site and has not expired. */
    public Optional<StoredImage> find(RequestContext rc, String publicId) {
        return ids.of(rc).decodeStrict(publicId)
                .flatMap(id -> repository.find(databases.of(rc), id))
                .filter(image -> image.expiresAt() == null || image.expiresAt().isAfter(clock.instant()));
    }

    /** Deletes the image if {@code secret} is its delete-link secret; false (and nothing changed) otherwise. */
    public boolean deleteWithSecret(RequestContext rc, String publicId, String secret) {
        if (secret == null || secret.length() < 20 || secret.length() > 100) {
            return false;
        }
        Optional<Long> id = ids.of(rc).decodeStrict(publicId);
        if (id.isEmpty()) {
            return false;
        }
        DSLContext dsl = databases.of(rc);
        Optional<String> stored = repository.deleteHash(dsl, id.get());
        if (stored.isEmpty() || stored.get() == null
                || !Crypto.constantTimeEquals(stored.get(), deleteHash(rc.tenant(), id.get(), secret))) {
            return false;
        }
        return repository.find(dsl, id.get()).map(image -> {
            delete(rc, image);
            return true;
        }).orElse(false);
    }

    /** Deletes an image: owner, administrators and managers, and the system (jobs). */
    public void delete(RequestContext rc, String publicId) {
        StoredImage image = find(rc, publicId).orElseThrow(() -> AppException.notFound("There is no such image."));
        boolean owner = rc.principal() instanceof Principal.User u && image.ownerId() != null && image.ownerId() == u.userId();
        boolean manager = rc.principal() instanceof Principal.User u && u.role() != Principal.Role.USER;
        if (!owner && !manager && !(rc.principal() instanceof Principal.System)) {
            throw AppException.forbidden("Only the uploader or a moderator can delete this image.");
        }
        delete(rc, image);
    }

    /** Deletes up to {@code batch} expired images of the tenant; returns how many. For the purge job. */
    public int purgeExpired(RequestContext rc, int batch) {
        List<Long> expired = repository.expired(databases.of(rc), clock.instant(), batch);
        int deleted = 0;
        for (long id : expired) {
            Optional<StoredImage> image = repository.find(databases.of(rc), id);
            if (image.isPresent()) {
                delete(rc, image.get());
                deleted++;
            }
        }
        return deleted;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Deletes the image's row and its files. The files are queued in the row's transaction and deleted right after
     * it; one that cannot be deleted now (or whose instance stops half-way) stays queued for
     * {@link #retryBlobDeletions}, so no file outlives its image for good.
     */
    private void delete(RequestContext rc, StoredImage image) {
        Long actor = rc.principal() instanceof Principal.User u ? u.userId() : null;
        List<String> keys = new ArrayList<>();
        keys.add(image.storageKey());
        image.variants().values().forEach(v -> keys.add(v.storageKey()));
        Instant now = clock.instant();
        List<MediaRepository.QueuedBlob> queued = Transactions.inTransaction(databases.of(rc), tx -> {
            repository.delete(tx.dsl(), image, actor, rc.clientIp(), now, true);
            return repository.queueBlobDeletions(tx.dsl(), keys, now);
        });
        deleteQueued(rc, queued);
    }

    /**
     * Tries again the queued file deletions of {@code rc}'s tenant that are due, at most {@code limit}; returns how
     * many files were deleted. A failure waits longer each time (1 minute doubling, at most a day) and is logged.
     */
    public int retryBlobDeletions(RequestContext rc, int limit) {
        return deleteQueued(rc, repository.dueBlobDeletions(databases.of(rc), clock.instant(), limit));
    }

    /** Files queued for deletion in {@code rc}'s tenant (storage keys, in queue order). */
    public List<String> queuedBlobDeletions(RequestContext rc) {
        return repository.queuedBlobDeletions(databases.of(rc)).stream().map(MediaRepository.QueuedBlob::storageKey).toList();
    }

    private int deleteQueued(RequestContext rc, List<MediaRepository.QueuedBlob> queued) {
        BlobStore store = blobStores.apply(rc.tenant());
        int deleted = 0;
        for (MediaRepository.QueuedBlob blob : queued) {
            try {
                store.delete(blob.storageKey());
                repository.blobDeleted(databases.of(rc), blob.id());
                deleted++;
            } catch (IOException | RuntimeException e) {
                int attempts = blob.attempts() + 1;
                Duration wait = Duration.ofMinutes(1L << Math.min(attempts - 1, 11));
                wait = wait.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : wait;
                log.warn("Could not delete file {} of tenant {} (attempt {}; next in {}): {}", blob.storageKey(), rc.tenant().id(),
                        attempts, wait, e.toString());
                repository.blobDeletionFailed(databases.of(rc), blob.id(), attempts, e.toString(), clock.instant().plus(wait));
            }
        }
        return deleted;
    }

    private static boolean permitted(RequestContext rc, MediaSettings site) {
        return switch (rc.principal()) {
            case Principal.System s -> true;
            case Principal.User u -> site.uploadsEnabled() || u.role() == Principal.Role.ADMIN;
            case Principal.Guest g -> site.uploadsEnabled() && site.guestUploads();
        };
    }

    private ReceivedFile receive(RequestContext rc, UploadSource source, MediaSettings site, long maxBytes) {
        try {
            return switch (source) {
                case null -> throw AppException.invalid("source", "No file was sent (field 'source').");
                case UploadSource.FilePart part -> receiver.receive(part.content().open(), maxBytes, part.filename(), part.declaredType());
                case UploadSource.Base64Text text -> receiver.receive(new Base64Decoding(text.text().open()), maxBytes, null, null);
                case UploadSource.RemoteUrl url -> {
                    if (!rc.principal().isAdmin() && !site.urlUploads()) {
                        throw AppException.forbidden("Uploading from a URL is not allowed for this account.");
                    }
                    yield fetcher.fetch(url.url(), maxBytes, receiver);
                }
            };
        } catch (IOException e) {
            throw AppException.invalid("source", "The upload could not be read: the connection ended early.");
        }
    }

    /**
     * Decodes canonical base64 (whitespace skipped) as {@link Base64Decoding} does; refuses with PAYLOAD_TOO_LARGE
     * beyond {@code maxBytes} decoded bytes. For short texts; uploads decode while streaming into the receiver.
     */
    static byte[] decodeBase64(String text, long maxBytes) {
        try (InputStream in = new Base64Decoding(new ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw Receiver.tooLarge(maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** MIN_STORAGES_ACTIVE: uploads wait until the provider's required external storages are configured. */
    private void requireStoragesActive(RequestContext rc, DSLContext dsl) {
        long required = limits.of(rc.tenant(), TenantLimits.Limit.MIN_STORAGES_ACTIVE).orElse(0);
        if (required > 0 && repository.countActiveExternalStorages(dsl) < required) {
            throw new AppException(ErrorCode.LIMIT_REACHED, "Uploads are blocked until " + required
                    + " external storage(s) are active on this site (an administrator must add them).");
        }
    }

    private void rejectDuplicate(RequestContext rc, DSLContext dsl, MediaSettings site, String sha256) {
        if (site.duplicatesAllowed() || rc.principal().isAdmin()) {
            return;
        }
        Condition scope = switch (site.duplicateScope()) {
            case "site" -> DSL.trueCondition();
            case "user" -> rc.principal() instanceof Principal.User u
                    ? MediaRepository.OWNER_ID.eq(u.userId())
                    : MediaRepository.OWNER_ID.isNull().and(MediaRepository.UPLOADER_IP.eq(rc.clientIp()));
            default -> MediaRepository.UPLOADER_IP.eq(rc.clientIp());
        };
        if (site.duplicateWindowHours() > 0) {
            scope = scope.and(MediaRepository.CREATED_AT.ge(
                    dev.tesela.platform.db.Times.utc(clock.instant().minus(Duration.ofHours(site.duplicateWindowHours())))));
        }
        if (repository.duplicateExists(dsl, sha256, scope)) {
            throw new AppException(ErrorCode.CONFLICT, "Duplicated upload: this image was uploaded already.");
        }
    }

    /**
     * The store step: stages the files (outside any transaction), commits the row in one short transaction, then
     * publishes the files. The database decides between uploads that want the same file name (unique keys: the
     * loser tries the next name); names whose files exist without a row (a deletion still queued) are skipped before.
     * A failure before the commit discards the staged files; a failure to publish takes the row back and deletes
     * what was published. A crash at any point leaves staged files that {@link #recoverStaged} publishes (row
     * committed) or discards (no row, after the grace period).
     */
    private UploadResult store(RequestContext rc, DSLContext dsl, MediaSettings site, Fields fields, ReceivedFile received,
                               ProcessedImage processed, Long albumId, Long categoryId) throws IOException {
        if (processed.sourceSha256() != null) {
            rejectDuplicate(rc, dsl, site, processed.main().sha256());
        }
        Instant now = clock.instant();
        Long ownerId = rc.principal() instanceof Principal.User u ? u.userId() : null;
        ProcessedImage.Output main = processed.main();
        String extension = extension(main, received.clientName());
        String title = fields.title().or(processed.metadata()::title).orElseGet(() -> titleFromName(received.clientName()));
        String description = fields.description().or(processed.metadata()::description).orElse(null);
        String exifJson = exifJson(processed, site);
        BlobStore store = blobStores.apply(rc.tenant());
        String token = java.util.HexFormat.of().formatHex(Crypto.randomBytes(16));
        String secret = Crypto.randomBase62(40);
        List<StagedFile> staged = stage(store, token, processed, extension);
        Committed committed;
        try {
            NamingMethod method = NamingMethod.fromSetting(site.naming());
            FileNaming.Upload naming = new FileNaming.Upload(method, StorageMode.fromSetting(site.storageMode()),
                    LocalDate.ofInstant(now, ZoneOffset.UTC), received.clientName(), extension,
                    method == NamingMethod.ID ? "pending" : null);
            List<FileNaming.Name> candidates = FileNaming.candidates(naming);
            committed = null;
            for (int i = 0; i < candidates.size() && committed == null; i++) {
                FileNaming.Name name = candidates.get(i);
                boolean byId = method == NamingMethod.ID && i == 0; // the id is known inside the transaction only
                if (!byId && anyTaken(store, keysOf(name, staged))) {
                    continue;
                }
                MediaRepository.NewImage row = new MediaRepository.NewImage(byId ? ".pending-" + token : name.key(), token,
                        ownerId, albumId, categoryId, site.storageMode(), truncate(received.clientName(), 255), title,
                        description, main.format().mimeType(), extension, main.width(), main.height(), main.frames(),
                        main.byteSize(), processed.metadata().panorama360(), main.sha256(), main.md5(),
                        processed.sourceSha256(), exifJson, fields.nsfw(), rc.clientIp(), fields.expiresAt(), now);
                try {
                    committed = retryingNewTagRaces(() -> Transactions.inTransaction(dsl, tx -> {
                        DSLContext t = tx.dsl();
                        repository.addToCounters(t, ownerId, albumId, 1); // first: see addToCounters on lock order
                        long id = repository.insertImage(t, row);
                        FileNaming.Name chosen = byId ? new FileNaming.Name(name.folder(), ids.of(rc).encode(id), name.extension()) : name;
                        repository.completeImage(t, id, chosen.key(), deleteHash(rc.tenant(), id, secret));
                        Map<String, String> keys = keysOf(chosen, staged);
                        for (StagedFile file : staged) {
                            if (file.variant() != null) {
                                ProcessedImage.Output v = file.output();
                                repository.insertVariant(t, id, new StoredImage.Variant(v.variant(), keys.get(file.stagingKey()),
                                        v.format().mimeType(), v.width(), v.height(), v.byteSize()));
                            }
                        }
                        repository.tag(t, id, ownerId, fields.tags(), now,
                                existing -> limits.requireRoomFor(rc.tenant(), TenantLimits.Limit.TAGS, existing));
                        return new Committed(id, keys);
                    }));
                } catch (org.jooq.exception.DataAccessException e) {
                    if (!storageKeyTaken(e)) {
                        throw e;
                    }
                    log.debug("File name {} was taken by a concurrent upload; trying the next", name.key());
                }
            }
        } catch (RuntimeException | IOException e) {
            discard(store, staged);
            throw e;
        }
        if (committed == null) {
            discard(store, staged);
            throw new IllegalStateException("no free storage key for upload " + token);
        }
        publish(rc, dsl, store, staged, committed);
        // The view is built from what was just written, not read back: a read after the commit could wait out the
        // pool under load and answer 503 for an upload that was stored (UploadLoadTest), and would cost 4 queries.
        Map<String, StoredImage.Variant> variants = new LinkedHashMap<>();
        String mainKey = null;
        for (StagedFile file : staged) {
            String key = committed.keys().get(file.stagingKey());
            if (file.variant() == null) {
                mainKey = key;
            } else {
                ProcessedImage.Output v = file.output();
                variants.put(v.variant(), new StoredImage.Variant(v.variant(), key, v.format().mimeType(), v.width(), v.height(),
                        v.byteSize()));
            }
        }
        String ownerName = rc.principal() instanceof Principal.User u ? u.username() : null;
        StoredImage image = new StoredImage(committed.id(), ownerId, ownerName, albumId, categoryId, mainKey,
                truncate(received.clientName(), 255), title, description, main.format().mimeType(), extension, main.width(),
                main.height(), main.frames(), main.byteSize(), main.sha256(), main.md5(), exifJson, fields.nsfw(), 0, 0,
                fields.expiresAt() == null ? null : fields.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
                now.truncatedTo(java.time.temporal.ChronoUnit.MICROS), fields.tags().stream().sorted().toList(), Map.copyOf(variants));
        return new UploadResult(image, secret);
    }

    /** A file of an upload in the staging area: the main file ({@code variant} null) or a variant. */
    private record StagedFile(String stagingKey, String variant, ProcessedImage.Output output) {}

    /** A committed upload: its row id and its files (staging key → key). */
    private record Committed(long id, Map<String, String> keys) {}

    /**
     * Stages the main file and its variants as {@code <token>/main.<ext>}, {@code <token>/<variant>.<ext>}; on a
     * failure discards what it staged and rethrows.
     */
    private static List<StagedFile> stage(BlobStore store, String token, ProcessedImage processed, String extension) throws IOException {
        List<StagedFile> staged = new ArrayList<>();
        try {
            ProcessedImage.Output main = processed.main();
            StagedFile mainFile = new StagedFile(token + "/main." + extension, null, main);
            store.stage(mainFile.stagingKey(), main.file(), main.format().mimeType());
            staged.add(mainFile);
            for (ProcessedImage.Output v : processed.variants()) {
                StagedFile file = new StagedFile(token + "/" + v.variant() + "." + v.format().extension(), v.variant(), v);
                store.stage(file.stagingKey(), v.file(), v.format().mimeType());
                staged.add(file);
            }
            return staged;
        } catch (IOException | RuntimeException e) {
            discard(store, staged);
            throw e;
        }
    }

    /** Each staged file's key under {@code name}: the main key, or the variant's key (thumb, medium). */
    private static Map<String, String> keysOf(FileNaming.Name name, List<StagedFile> staged) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (StagedFile file : staged) {
            keys.put(file.stagingKey(), file.variant() == null ? name.key()
                    : name.variantKey("thumb".equals(file.variant()) ? FileNaming.Variant.THUMB : FileNaming.Variant.MEDIUM,
                    file.output().format().extension()));
        }
        return keys;
    }

    /** Whether a file exists under any of the keys (a file whose deletion is still queued, or one of unknown origin). */
    private static boolean anyTaken(BlobStore store, Map<String, String> keys) throws IOException {
        for (String key : keys.values()) {
            if (store.stat(key).isPresent()) {
                return true;
            }
        }
        return false;
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
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")
                    && String.valueOf(sql.getMessage()).toLowerCase(Locale.ROOT).contains(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs the upload's transaction again (at most {@value #NEW_TAG_ATTEMPTS} times in all) while it fails only because
     * a concurrent upload created one of its new tags first: that transaction rolled back whole, and the next attempt
     * finds the tag committed and links to it. (The race of two uploads naming the same new tag at once; it answered
     * 500 before.)
     */
    private static <T> T retryingNewTagRaces(java.util.function.Supplier<T> transaction) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.get();
            } catch (org.jooq.exception.DataAccessException e) {
                if (attempt >= NEW_TAG_ATTEMPTS || !newTagTaken(e)) {
                    throw e;
                }
                log.debug("A concurrent upload created one of this upload's new tags first; trying again");
            }
        }
    }

    /**
     * Moves the committed upload's files to their keys. A file that cannot be published (its key holds a file of
     * unknown origin, or the staged file is gone because recovery discarded it after the grace period) takes the
     * upload back: row removed, published files deleted, staged ones discarded, and the caller is told to retry.
     */
    private void publish(RequestContext rc, DSLContext dsl, BlobStore store, List<StagedFile> staged, Committed committed) {
        List<String> published = new ArrayList<>();
        try {
            for (StagedFile file : staged) {
                String key = committed.keys().get(file.stagingKey());
                if (!store.publish(file.stagingKey(), key) && store.stat(key).isEmpty()) {
                    throw new IOException("staged file " + file.stagingKey() + " vanished before it was published");
                }
                published.add(key);
            }
        } catch (IOException | RuntimeException e) {
            log.error("Publishing upload {} of tenant {} failed; taking it back", committed.id(), rc.tenant().id(), e);
            repository.find(dsl, committed.id()).ifPresent(image -> Transactions.inTransaction(dsl, tx -> {
                repository.delete(tx.dsl(), image, null, rc.clientIp(), clock.instant(), false);
                return null;
            }));
            removeBlobs(store, published);
            discard(store, staged);
            throw new AppException(ErrorCode.BUSY, "The file could not be stored. Please try again.", Map.of(), e);
        }
    }

    private static void discard(BlobStore store, List<StagedFile> staged) {
        for (StagedFile file : staged) {
            try {
                store.discardStaged(file.stagingKey());
            } catch (IOException | RuntimeException e) {
                log.warn("Could not discard staged file {} (recovery will): {}", file.stagingKey(), e.toString());
            }
        }
    }

    private static void removeBlobs(BlobStore store, List<String> keys) {
        for (String key : keys) {
            try {
                store.delete(key);
            } catch (IOException | RuntimeException e) {
                log.warn("Could not remove blob {} of a failed upload: {}", key, e.toString());
            }
        }
    }

    /**
     * Recovery of uploads a crash interrupted, in {@code rc}'s tenant, looking at up to {@code limit} staged files:
     * those whose row committed are published; those without a row are discarded once staged longer than
     * {@code grace} ago (younger ones may belong to uploads in progress, here or on another instance). Returns how many
     * staged files it published or discarded. Safe to run on several instances at once.
     */
    public int recoverStaged(RequestContext rc, Duration grace, int limit) {
        BlobStore store = blobStores.apply(rc.tenant());
        List<BlobStore.StagedBlob> staged;
        try {
            staged = store.staged(limit);
        } catch (IOException e) {
            log.warn("Could not list the staged files of tenant {}: {}", rc.tenant().id(), e.toString());
            return 0;
        }
        Map<String, List<BlobStore.StagedBlob>> byToken = new LinkedHashMap<>();
        for (BlobStore.StagedBlob blob : staged) {
            int slash = blob.stagingKey().indexOf('/');
            byToken.computeIfAbsent(slash < 0 ? blob.stagingKey() : blob.stagingKey().substring(0, slash), t -> new ArrayList<>()).add(blob);
        }
        Map<String, Map<String, String>> committed = repository.stagedUploads(databases.of(rc), byToken.keySet());
        Instant cutoff = clock.instant().minus(grace);
        int done = 0;
        for (Map.Entry<String, List<BlobStore.StagedBlob>> upload : byToken.entrySet()) {
            Map<String, String> keys = committed.get(upload.getKey());
            for (BlobStore.StagedBlob blob : upload.getValue()) {
                try {
                    if (keys != null) {
                        String file = blob.stagingKey().substring(blob.stagingKey().indexOf('/') + 1);
                        String key = keys.get(file.substring(0, file.indexOf('.') < 0 ? file.length() : file.indexOf('.')));
                        if (key == null) {
                            log.warn("Staged file {} of tenant {} matches no file of its image; kept", blob.stagingKey(), rc.tenant().id());
                        } else if (store.publish(blob.stagingKey(), key)) {
                            done++;
                        }
                    } else if (blob.stagedAt().isBefore(cutoff) && store.discardStaged(blob.stagingKey())) {
                        done++;
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("Could not recover staged file {} of tenant {}: {}", blob.stagingKey(), rc.tenant().id(), e.toString());
                }
            }
        }
        if (done > 0) {
            log.info("Recovered {} staged file(s) of tenant {} (published or discarded)", done, rc.tenant().id());
        }
        return done;
    }

    /** The stored extension: the format's, except that a JPEG sent as *.jpg keeps "jpg". */
    private static String extension(ProcessedImage.Output main, String clientName) {
        if (main.format() == dev.tesela.imaging.ImageFormat.JPEG && clientName != null
                && clientName.toLowerCase(Locale.ROOT).endsWith(".jpg")) {
            return "jpg";
        }
        return main.format().extension();
    }

    private static String exifJson(ProcessedImage processed, MediaSettings site) {
        Map<String, String> exif = processed.metadata().exif(site.keepGps());
        return exif.isEmpty() ? null : JSON.writeValueAsString(exif);
    }

    static String deleteHash(TenantContext tenant, long id, String secret) {
        return Crypto.hmacBase64(tenant.keys().tokens(), "delete:" + id + ":" + secret);
    }

    static String titleFromName(String clientName) {
        if (clientName == null || clientName.isBlank()) {
            return null;
        }
        String base = clientName.replaceAll("^.*[/\\\\]", "");
        int dot = base.lastIndexOf('.');
        if (dot >= 0) {
            base = base.substring(0, dot);
        }
        String title = base.replaceAll("[-_\\s]+", " ").replaceAll("\\p{Cntrl}", "").strip();
        return title.isEmpty() ? null : truncate(title, 100);
    }

    static String truncate(String s, int max) {
        if (s == null) {
            return null;
        }
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static void deleteQuietly(ReceivedFile received) {
        try {
            Files.deleteIfExists(received.path());
        } catch (IOException e) {
            log.warn("Could not delete temp file {}: {}", received.path(), e.toString());
        }
    }

    /** The validated optional fields of an upload. */
    record Fields(Optional<String> title, Optional<String> description, List<String> tags, Optional<String> albumId,
                  Optional<Long> categoryId, int width, boolean nsfw, Instant expiresAt) {

        static Fields parse(UploadRequest r, MediaSettings site, Principal principal, Clock clock) {
            Map<String, String> errors = new LinkedHashMap<>();
            Optional<String> title = text(r.title()).map(t -> truncate(t.replaceAll("\\p{Cntrl}", " ").strip(), 100));
            Optional<String> description = text(r.description()).map(d -> truncate(d.replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", ""), 5000));
            List<String> tags = new ArrayList<>();
            text(r.tags()).ifPresent(raw -> {
                LinkedHashSet<String> unique = new LinkedHashSet<>();
                for (String t : raw.split(",")) {
                    String tag = t.strip().toLowerCase(Locale.ROOT);
                    if (tag.isEmpty()) {
                        continue;
                    }
                    if (!TAG.matcher(tag).matches()) {
                        errors.put("tags", "Tags are up to 32 letters, digits, spaces, dots, dashes or underscores each.");
                    }
                    unique.add(tag);
                }
                if (unique.size() > MAX_TAGS) {
                    errors.put("tags", "At most " + MAX_TAGS + " tags per image.");
                }
                tags.addAll(unique);
            });
            Optional<Long> category = text(r.categoryId()).flatMap(c -> {
                try {
                    return Optional.of(Long.parseLong(c));
                } catch (NumberFormatException e) {
                    errors.put("category_id", "The category id must be a number.");
                    return Optional.empty();
                }
            });
            int width = text(r.width()).map(w -> {
                try {
                    int value = Integer.parseInt(w);
                    if (value < 1 || value > 50_000) {
                        throw new NumberFormatException();
                    }
                    return value;
                } catch (NumberFormatException e) {
                    errors.put("width", "The width must be a whole number of pixels from 1 to 50000.");
                    return 0;
                }
            }).orElse(0);
            boolean nsfw = text(r.nsfw()).map(n -> n.equals("1") || n.equalsIgnoreCase("true")).orElse(false);
            Instant expiresAt = null;
            if (site.expirableUploads()) {
                Optional<String> expiration = principal instanceof Principal.Guest && !site.guestExpiration().isBlank()
                        ? Optional.of(site.guestExpiration()) : text(r.expiration());
                if (expiration.isPresent()) {
                    Optional<Duration> d = parseExpiration(expiration.get());
                    if (d.isEmpty()) {
                        errors.put("expiration", "The expiration must be an ISO-8601 duration such as PT5M or P3D, or a number of seconds.");
                    } else {
                        Duration clamped = d.get().compareTo(MIN_EXPIRY) < 0 ? MIN_EXPIRY
                                : d.get().compareTo(MAX_EXPIRY) > 0 ? MAX_EXPIRY : d.get();
                        expiresAt = clock.instant().plus(clamped);
                    }
                }
            }
            if (!errors.isEmpty()) {
                throw AppException.invalid(errors);
            }
            return new Fields(title, description, List.copyOf(tags), text(r.albumId()), category, width, nsfw, expiresAt);
        }

        /** The same fields with only the first {@code max} tags (TAGS_PER_FILE: extra tags are dropped). */
        Fields withTagsCappedAt(java.util.OptionalLong max) {
            if (max.isEmpty() || tags.size() <= max.getAsLong()) {
                return this;
            }
            return new Fields(title, description, tags.subList(0, (int) max.getAsLong()), albumId, categoryId, width, nsfw, expiresAt);
        }

        Optional<Long> album(PublicIds ids) {
            return albumId.flatMap(ids::decodeStrict);
        }

        private static Optional<String> text(String s) {
            return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
        }
    }

    /** ISO-8601 duration (PT5M, P3D, P1M, P1Y, P2W) or digits meaning seconds; empty when it is neither. */
    static Optional<Duration> parseExpiration(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.matches("\\d{1,12}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(s)));
        }
        try {
            return Optional.of(Duration.parse(s));
        } catch (java.time.format.DateTimeParseException notTimeBased) {
            try {
                java.time.Period p = java.time.Period.parse(s);
                if (p.isNegative()) {
                    return Optional.empty();
                }
                return Optional.of(Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays()));
            } catch (java.time.format.DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }
}
