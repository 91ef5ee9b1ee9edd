package dev.tesela.media;

import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static org.jooq.impl.DSL.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.imaging.ImageEngines;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.LocalBlobStore;
import dev.tesela.testing.ForwardingBlobStore;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Staged files first, row second, published files last, and a failure at any step removes what was written: faults
 * are injected at each staging write (main, thumb, medium), in the database transaction after all files were staged,
 * and at each publish, and each time there is no row, no file, nothing staged and no temp file afterwards. Crashes
 * (an Error thrown from the store, which no code of the upload catches, so the state stays as a killed process
 * leaves it) before and after the commit are recovered by {@link MediaService#recoverStaged} and the upkeep job:
 * committed uploads published, uncommitted ones discarded after the grace period only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UploadConsistencyTest {
    private TestSite site;
    private App app;
    private Path work;
    private LocalBlobStore realStore;
    private final AtomicInteger failOnPut = new AtomicInteger(0);
    private final AtomicInteger puts = new AtomicInteger(0);
    private final AtomicInteger failOnPublish = new AtomicInteger(0);
    private final AtomicInteger publishes = new AtomicInteger(0);
    private final AtomicInteger crashOnPut = new AtomicInteger(0);
    private final AtomicInteger crashOnPublish = new AtomicInteger(0);
    private final java.util.concurrent.atomic.AtomicBoolean failDeletes =
            new java.util.concurrent.atomic.AtomicBoolean(false);
    /** The service's clock; every test starts at {@link #START} (see {@link #startTheClock()}). */
    private static final java.time.Instant START = java.time.Instant.parse("2026-01-01T00:00:00Z");

    private final java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
            new java.util.concurrent.atomic.AtomicReference<>(START);
    private MediaService media;
    private RequestContext admin;
    private int seed = 100;

    @BeforeAll
    void start() throws IOException {
        site = TestSite.on(TestDatabase.Kind.H2).installed().start();
        app = site.app();
        admin = site.system();
        work = Files.createTempDirectory("tesela-consistency-");
        realStore = new LocalBlobStore(work.resolve("files"));
        var engine =
                ImageEngines.select("auto", new PixelBudget(app.config().media().jobPixels()));
        media = MediaService.create(
                engine, app.config().media(), work.resolve("tmp"), tenant -> new FaultyStore(realStore), new Clock() {
                    @Override
                    public java.time.ZoneId getZone() {
                        return java.time.ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(java.time.ZoneId zone) {
                        return this;
                    }

                    @Override
                    public java.time.Instant instant() {
                        return now.get();
                    }
                });
    }

    /** Tests that move the clock do not move it for the next one: the order of the tests does not matter. */
    @BeforeEach
    void startTheClock() {
        now.set(START);
    }

    @AfterAll
    void stop() throws IOException {
        site.close();
        dev.tesela.testing.TestFiles.deleteTree(work);
    }

    @ParameterizedTest(name = "blob write {0} fails")
    @ValueSource(ints = {1, 2, 3})
    void aFailedBlobWriteLeavesNothing(int failingPut) throws IOException {
        long rows = rows();
        failOnPut.set(failingPut);
        puts.set(0);
        try {
            AppException e = assertThrows(
                    AppException.class, () -> media.upload(admin, upload(TestImages.jpeg(1000, 700, seed++))));
            assertEquals(ErrorCode.INTERNAL, e.code());
            assertEquals(failingPut, puts.get(), "the fault was reached");
        } finally {
            failOnPut.set(0);
        }
        assertEquals(rows, rows(), "no row");
        assertEquals(List.of(), blobs(), "no blob");
        assertEquals(List.of(), realStore.staged(10), "nothing staged");
        assertEquals(List.of(), temps(), "no temp file");
    }

    @ParameterizedTest(name = "publish {0} fails")
    @ValueSource(ints = {1, 2, 3})
    void aFailedPublishTakesTheUploadBack(int failingPublish) throws IOException {
        long rows = rows();
        failOnPublish.set(failingPublish);
        publishes.set(0);
        try {
            AppException e = assertThrows(
                    AppException.class, () -> media.upload(admin, upload(TestImages.jpeg(1000, 700, seed++))));
            assertEquals(ErrorCode.BUSY, e.code(), "503: the client may try again");
            assertEquals(failingPublish, publishes.get(), "the fault was reached");
        } finally {
            failOnPublish.set(0);
        }
        assertEquals(rows, rows(), "the row was taken back");
        assertEquals(List.of(), blobs(), "published files deleted");
        assertEquals(List.of(), realStore.staged(10), "staged files discarded");
        assertEquals(List.of(), temps());
    }

    @Test
    void aFailedPublishWhoseFilesCannotBeDeletedNowQueuesThemSoNoneIsLeftForGood() throws IOException {
        long rows = rows();
        failOnPublish.set(2); // the main file is published, the thumb is not
        publishes.set(0);
        failDeletes.set(true); // and the storage refuses deletions meanwhile (an outage)
        try {
            AppException e = assertThrows(
                    AppException.class, () -> media.upload(admin, upload(TestImages.jpeg(1000, 700, seed++))));
            assertEquals(ErrorCode.BUSY, e.code());
            assertEquals(rows, rows(), "the row was taken back");
            assertEquals(1, blobs().size(), "the published main file could not be deleted yet: " + blobs());
            String left = work.resolve("files").relativize(blobs().getFirst()).toString();
            assertTrue(
                    media.queuedBlobDeletions(admin).contains(left),
                    left + " waits in the deletion queue: " + media.queuedBlobDeletions(admin));
        } finally {
            failOnPublish.set(0);
            failDeletes.set(false);
        }
        now.set(now.get().plusSeconds(61));
        media.retryBlobDeletions(admin, 50);
        assertEquals(List.of(), blobs(), "the retry deleted it");
        assertEquals(List.of(), media.queuedBlobDeletions(admin));
    }

    @Test
    void aCrashAfterTheCommitLeavesStagedFilesThatTheUpkeepJobPublishes() throws IOException {
        long rows = rows();
        crashOnPublish.set(1);
        publishes.set(0);
        try {
            assertThrows(Crash.class, () -> media.upload(admin, upload(TestImages.jpeg(1000, 700, seed++))));
        } finally {
            crashOnPublish.set(0);
        }
        assertEquals(rows + 1, rows(), "the row committed");
        assertEquals(List.of(), blobs(), "nothing published, so nothing can be served");
        assertEquals(3, realStore.staged(10).size());

        new StorageUpkeepJob(media, java.time.Duration.ofHours(1)).purge(site.system());
        assertEquals(List.of(), realStore.staged(10), "published whatever their age");
        String key = site.dsl()
                .select(IMAGES.STORAGE_KEY)
                .from(IMAGES)
                .orderBy(IMAGES.ID.desc())
                .limit(1)
                .fetchOne(IMAGES.STORAGE_KEY);
        assertTrue(realStore.stat(key).isPresent(), key);
        assertEquals(3, blobs().size(), "main, thumb and medium");
        media.delete(admin, media.publicIds(admin).encode(lastId()));
        assertEquals(List.of(), blobs());
    }

    @Test
    void aCrashBeforeTheCommitLeavesStagedFilesThatAreDiscardedAfterTheGracePeriodOnly() throws IOException {
        long rows = rows();
        crashOnPut.set(3);
        puts.set(0);
        try {
            assertThrows(Crash.class, () -> media.upload(admin, upload(TestImages.jpeg(1000, 700, seed++))));
        } finally {
            crashOnPut.set(0);
        }
        assertEquals(rows, rows());
        assertEquals(2, realStore.staged(10).size(), "main and thumb staged when it crashed");

        java.time.Instant realNow = java.time.Instant.now();
        now.set(realNow.plusSeconds(30 * 60));
        assertEquals(
                0,
                media.recoverStaged(admin, java.time.Duration.ofHours(1), 100),
                "younger than the grace period: maybe in progress");
        assertEquals(2, realStore.staged(10).size());
        now.set(realNow.plusSeconds(61 * 60));
        assertEquals(2, media.recoverStaged(admin, java.time.Duration.ofHours(1), 100));
        assertEquals(List.of(), realStore.staged(10));
        assertEquals(List.of(), blobs());
        assertEquals(rows, rows());
    }

    @Test
    void aFailedTransactionAfterTheBlobsWereWrittenRemovesThem() throws IOException {
        long rows = rows();
        DSLContext dsl = site.dsl();
        puts.set(0);
        dsl.execute("ALTER TABLE tsl_tags RENAME TO tsl_tags_away");
        try {
            UploadRequest tagged = new UploadRequest(
                    source(TestImages.jpeg(800, 600, seed++)),
                    "t",
                    null,
                    "one, two",
                    null,
                    null,
                    null,
                    null,
                    null,
                    true);
            assertThrows(RuntimeException.class, () -> media.upload(admin, tagged));
        } finally {
            dsl.execute("ALTER TABLE tsl_tags_away RENAME TO tsl_tags");
        }
        assertEquals(3, puts.get(), "the files were staged before the transaction");
        assertEquals(rows, rows(), "rolled back");
        assertEquals(List.of(), blobs(), "blobs removed");
        assertEquals(List.of(), realStore.staged(10), "staged files discarded");
        assertEquals(List.of(), temps());
    }

    @Test
    void aDamagedImageFailsBeforeAnyBlobIsWritten() throws IOException {
        byte[] jpeg = TestImages.jpeg(600, 400, seed++);
        puts.set(0);
        AppException e = assertThrows(
                AppException.class, () -> media.upload(admin, upload(java.util.Arrays.copyOf(jpeg, jpeg.length / 3))));
        assertEquals(ErrorCode.INVALID_INPUT, e.code());
        assertEquals(0, puts.get());
        assertEquals(List.of(), temps());
    }

    @Test
    void aSuccessfulUploadWritesMainThumbAndMediumAndOneRow() throws IOException {
        long rows = rows();
        puts.set(0);
        UploadResult result = media.upload(admin, upload(TestImages.jpeg(1000, 700, seed++)));
        assertEquals(3, puts.get());
        assertEquals(rows + 1, rows());
        assertEquals(3, blobs().size());
        assertTrue(realStore.stat(result.image().storageKey()).isPresent());
        assertEquals(List.of(), temps());
        media.delete(admin, media.publicIds(admin).encode(result.image().id()));
        assertEquals(List.of(), blobs());
        assertEquals(rows, rows());
    }

    @Test
    void namingByIdUsesTheIdKnownOnlyInsideTheTransactionAndSkipsNamesTakenOnDisk() throws IOException {
        app.settings().update(admin, "upload_filenaming", "id");
        try {
            // The change applies from the next request (a new tenant runtime, with the new settings snapshot).
            RequestContext next = new RequestContext(app.defaultTenant(), admin.principal(), "next", admin.clientIp());
            UploadResult byId = media.upload(next, upload(TestImages.jpeg(700, 500, seed++)));
            String publicId = media.publicIds(admin).encode(byId.image().id());
            assertTrue(
                    byId.image().storageKey().endsWith("/" + publicId + ".jpg"),
                    byId.image().storageKey());
            assertTrue(realStore.stat(byId.image().storageKey()).isPresent());
            media.delete(admin, publicId);
        } finally {
            app.settings().update(admin, "upload_filenaming", "original");
        }
        // A file without a row under the name an upload would get (a deletion still queued): the next name is used.
        String folder = java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd")
                .format(now.get().atZone(java.time.ZoneOffset.UTC));
        Path stray = work.resolve("files/" + folder + "/taken.jpg");
        Files.createDirectories(stray.getParent());
        Files.write(stray, new byte[] {1});
        try {
            UploadResult result = media.upload(
                    admin,
                    new UploadRequest(
                            new UploadSource.FilePart(
                                    () -> new ByteArrayInputStream(TestImages.jpeg(700, 500, seed++)),
                                    "taken.jpg",
                                    "image/jpeg"),
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            true));
            assertTrue(
                    result.image().storageKey().startsWith(folder + "/taken-"),
                    result.image().storageKey());
            assertEquals(1, Files.readAllBytes(stray).length, "the stray file is untouched");
            media.delete(admin, media.publicIds(admin).encode(result.image().id()));
        } finally {
            Files.delete(stray);
        }
        assertEquals(List.of(), realStore.staged(10));
    }

    @Test
    void filesThatCannotBeDeletedStayQueuedAndAreDeletedByALaterRetry() throws IOException {
        UploadResult result = media.upload(admin, upload(TestImages.jpeg(900, 600, seed++)));
        long rows = rows();
        List<Path> before = blobs();
        failDeletes.set(true);
        try {
            media.delete(admin, media.publicIds(admin).encode(result.image().id()));
            assertEquals(rows - 1, rows(), "the image is gone at once");
            assertEquals(before, blobs(), "its files could not be deleted");
            List<String> queued = media.queuedBlobDeletions(admin);
            assertEquals(3, queued.size(), queued.toString());
            assertTrue(queued.contains(result.image().storageKey()));
            assertEquals(0, media.retryBlobDeletions(admin, 50), "a failure is not due again at once");

            now.set(now.get().plusSeconds(61));
            assertEquals(0, media.retryBlobDeletions(admin, 50), "due after a minute, and failing again");
            now.set(now.get().plusSeconds(61));
            assertEquals(0, media.retryBlobDeletions(admin, 50), "the second failure waits two minutes");
            assertEquals(3, media.queuedBlobDeletions(admin).size());
        } finally {
            failDeletes.set(false);
        }
        now.set(now.get().plusSeconds(120));
        new StorageUpkeepJob(media, java.time.Duration.ofHours(1)).purge(site.system());
        assertEquals(List.of(), media.queuedBlobDeletions(admin), "the upkeep job retried them");
        assertEquals(List.of(), blobs(), "and the files are gone");
    }

    private UploadRequest upload(byte[] content) {
        return new UploadRequest(source(content), null, null, null, null, null, null, null, null, true);
    }

    private static UploadSource source(byte[] content) {
        return new UploadSource.FilePart(() -> new ByteArrayInputStream(content), "photo.jpg", "image/jpeg");
    }

    private long lastId() {
        return site.dsl()
                .select(IMAGES.ID)
                .from(IMAGES)
                .orderBy(IMAGES.ID.desc())
                .limit(1)
                .fetchOne(IMAGES.ID);
    }

    /** A simulated kill: no upload code catches an Error, so what was written stays as a dead process leaves it. */
    private static final class Crash extends Error {
        Crash(String where) {
            super("simulated crash at " + where);
        }
    }

    private long rows() {
        return site.dsl().fetchCount(IMAGES);
    }

    private List<Path> blobs() throws IOException {
        return list(work.resolve("files"), true);
    }

    private List<Path> temps() throws IOException {
        return list(work.resolve("tmp"), false);
    }

    private static List<Path> list(Path dir, boolean recursive) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = recursive ? Files.walk(dir) : Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !dir.relativize(p).toString().startsWith(".staging"))
                    .toList();
        }
    }

    /** The real local store, with a fault injected at the n-th write when asked. */
    private final class FaultyStore extends ForwardingBlobStore {
        FaultyStore(BlobStore delegate) {
            super(delegate);
        }

        @Override
        public String describe() {
            return "faulty " + store.describe();
        }

        @Override
        public void stage(String stagingKey, Path file, String contentType) throws IOException {
            int n = puts.incrementAndGet();
            if (n == failOnPut.get()) {
                throw new IOException("injected fault on write " + n);
            }
            if (n == crashOnPut.get()) {
                throw new Crash("write " + n);
            }
            store.stage(stagingKey, file, contentType);
        }

        @Override
        public boolean publish(String stagingKey, String key) throws IOException {
            int n = publishes.incrementAndGet();
            if (n == failOnPublish.get()) {
                throw new IOException("injected fault on publish " + n);
            }
            if (n == crashOnPublish.get()) {
                throw new Crash("publish " + n);
            }
            return store.publish(stagingKey, key);
        }

        @Override
        public boolean delete(String key) throws IOException {
            if (failDeletes.get()) {
                throw new IOException("injected fault on delete of " + key);
            }
            return store.delete(key);
        }
    }
}
