package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.StorageService;
import dev.tesela.storage.StorageUsage;
import dev.tesela.testing.ForwardingBlobStore;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads on a site with several storages (local folders as rows of its storages table, so the whole path runs
 * without a network): each upload goes to an active storage with room, reserved before its files are written, its
 * row names the storage, its files are served from there, deleted from there, and moved between storages with their
 * links intact. A storage found full is left out; when none can take an upload it is refused and nothing is left.
 */
class StoragesUploadTest {
    @TempDir
    Path dirs;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void uploadsSpreadOverTheStoragesAndAreServedDeletedAndMovedFromTheirOwn() throws Exception {
        try (TestSite site =
                TestSite.on(TestDatabase.Kind.H2).installed().serving().start()) {
            App app = site.app();
            StorageService storages = app.storages();
            long one = storages.add(site.system(), local("one", dirs.resolve("one")), true)
                    .id();
            long two = storages.add(site.system(), local("two", dirs.resolve("two")), true)
                    .id();
            RequestContext rc = site.system(); // a runtime that knows both storages

            List<StoredImage> images = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                images.add(app.media()
                        .upload(rc, request(TestImages.jpeg(400 + i, 300, i)))
                        .image());
            }
            Map<Long, Long> bytesOn = new HashMap<>();
            for (StoredImage image : images) {
                assertNotNull(image.storageId(), "a storage of the table takes it, not the built-in folder");
                Path folder = dirs.resolve(image.storageId() == one ? "one" : "two");
                for (String key : keys(image)) {
                    assertTrue(Files.isRegularFile(folder.resolve(key)), key + " on its storage");
                }
                bytesOn.merge(image.storageId(), bytes(image), Long::sum);
                assertEquals(
                        image,
                        app.media()
                                .find(rc, app.media().publicIds(rc).encode(image.id()))
                                .orElseThrow());
                assertArrayEquals(
                        Files.readAllBytes(folder.resolve(image.storageKey())), get(site, image.storageKey()));
            }
            assertEquals(Set.of(one, two), bytesOn.keySet(), "16 uploads, two storages with room: both take some");
            assertFalse(hasFiles(site.files()), "the built-in folder takes nothing while storages are active");
            assertEquals(bytesOn.get(one), storages.get(site.system(), one).usedBytes());
            assertEquals(bytesOn.get(two), storages.get(site.system(), two).usedBytes());

            StoredImage deleted = images.stream()
                    .filter(i -> i.storageId() == one)
                    .findFirst()
                    .orElseThrow();
            app.media().delete(rc, app.media().publicIds(rc).encode(deleted.id()));
            for (String key : keys(deleted)) {
                assertFalse(Files.exists(dirs.resolve("one").resolve(key)), key + " deleted from its storage");
            }
            assertEquals(List.of(), app.media().queuedBlobDeletions(rc));
            assertEquals(
                    bytesOn.get(one) - bytes(deleted),
                    storages.get(site.system(), one).usedBytes());
            images.remove(deleted);

            List<String> progress = new ArrayList<>();
            StorageMove.Progress moved =
                    app.media().moveFiles(rc, one, two, 0, p -> progress.add(p.moved() + "/" + p.total()));
            long onOne = images.stream().filter(i -> i.storageId() == one).count();
            assertEquals(onOne, moved.moved());
            assertEquals(0, moved.skipped());
            assertEquals(onOne, progress.size(), "progress after each image: " + progress);
            assertFalse(hasFiles(dirs.resolve("one")), "nothing left on the storage moved from");
            assertEquals(0, storages.get(site.system(), one).usedBytes());
            long total = images.stream().mapToLong(StoragesUploadTest::bytes).sum();
            assertEquals(total, storages.get(site.system(), two).usedBytes());
            for (StoredImage image : images) {
                StoredImage now = app.media()
                        .find(rc, app.media().publicIds(rc).encode(image.id()))
                        .orElseThrow();
                assertEquals(two, now.storageId());
                for (String key : keys(image)) {
                    assertArrayEquals(Files.readAllBytes(dirs.resolve("two").resolve(key)), get(site, key), key);
                }
            }
            assertEquals(0, app.media().moveFiles(rc, one, two, 0, p -> {}).moved(), "run again: nothing left to move");
        }
    }

    @Test
    void aStorageFoundFullIsLeftOutAndWhenNoneHasRoomTheUploadIsRefusedLeavingNothing() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            StorageService storages = app.storages();
            long small = storages.add(site.system(), local("small", dirs.resolve("small"), "1MB"), true)
                    .id();
            long large = storages.add(site.system(), local("large", dirs.resolve("large"), "1GB"), true)
                    .id();
            RequestContext rc = site.system(); // its runtime believes both storages empty
            // Another instance fills "small" meanwhile: this runtime's snapshot does not know.
            assertTrue(StorageUsage.reserve(rc.db(), small, 1024 * 1024));
            for (int i = 0; i < 6; i++) {
                assertEquals(
                        large,
                        app.media()
                                .upload(rc, request(TestImages.jpeg(300, 200, i)))
                                .image()
                                .storageId(),
                        "the reservation on the full storage fails, the upload goes to the other");
            }
            long largeUsed = storages.get(site.system(), large).usedBytes();
            List<String> filesBefore = files(dirs);
            assertTrue(StorageUsage.reserve(rc.db(), large, 1024L * 1024 * 1024 - largeUsed)); // full too

            AppException refused = assertThrows(
                    AppException.class, () -> app.media().upload(rc, request(TestImages.jpeg(300, 200, 99))));
            assertEquals(503, refused.code().httpStatus(), refused.getMessage());
            assertEquals(filesBefore, files(dirs), "no file written, nothing staged");
            assertEquals(1024 * 1024, storages.get(site.system(), small).usedBytes());
            assertEquals(1024L * 1024 * 1024, storages.get(site.system(), large).usedBytes(), "no room kept");
            assertEquals(6, rc.db().dsl().fetchCount(dev.tesela.platform.db.schema.tenant.Tables.IMAGES));
        }
    }

    @Test
    void aLocalFolderThatCannotBeWrittenIsA503NamingTheStorageNotA500() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            // A folder no one may create (sysfs refuses, root or not): every write fails, as on a read-only or
            // full disk. Added without the round trip, which would refuse it.
            Path folder = Path.of("/sys/tesela-" + dev.tesela.platform.security.Crypto.randomBase62(8));
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys")), "needs Linux's /sys");
            long id = app.storages()
                    .add(site.system(), local("broken", folder), false)
                    .id();
            RequestContext rc = site.system();
            AppException e = assertThrows(
                    AppException.class, () -> app.media().upload(rc, request(TestImages.jpeg(300, 200, 1))));
            assertEquals(503, e.code().httpStatus(), e.getMessage());
            assertEquals(0, app.storages().get(site.system(), id).usedBytes(), "the reserved room is given back");
            assertEquals(0, rc.db().dsl().fetchCount(dev.tesela.platform.db.schema.tenant.Tables.IMAGES));
        }
    }

    @Test
    void aStorageThatDoesNotAnswerFailsTheUploadWith503AndGivesItsRoomBack() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            long id = app.storages()
                    .add(site.system(), local("flaky", dirs.resolve("flaky")), true)
                    .id();
            // The same site, through a media service whose view of that storage fails after its first file.
            MediaService media = withStores(app, storage -> new OutAfterFirstStage(storage.store()));
            RequestContext rc = site.system();
            AppException e =
                    assertThrows(AppException.class, () -> media.upload(rc, request(TestImages.jpeg(300, 200, 1))));
            assertEquals(ErrorCode.BUSY, e.code());
            assertTrue(e.getMessage().contains("storage"), e.getMessage());
            assertEquals(0, app.storages().get(site.system(), id).usedBytes(), "the reserved room is given back");
            assertEquals(List.of(), files(dirs.resolve("flaky")), "the file staged first was discarded");
            assertEquals(0, rc.db().dsl().fetchCount(dev.tesela.platform.db.schema.tenant.Tables.IMAGES));
        }
    }

    @Test
    void aStorageWhoseCredentialsNoLongerDecryptFailsTheUploadWith503NotA500() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            long id = app.storages()
                    .add(
                            site.system(),
                            new StorageService.Fields(
                                    "bucket",
                                    "s3",
                                    "photos",
                                    null,
                                    "http://127.0.0.1:9",
                                    null,
                                    null,
                                    null,
                                    "AKIDEXAMPLE",
                                    "secret-that-must-not-show",
                                    true,
                                    null,
                                    null),
                            false)
                    .id();
            // The sealed secret as if the tenant's key had changed: it no longer opens.
            var storages = dev.tesela.platform.db.schema.tenant.Tables.STORAGES;
            site.system()
                    .db()
                    .dsl()
                    .update(storages)
                    .set(storages.SECRET_ENC, storages.KEY_ENC)
                    .where(storages.ID.eq(id))
                    .execute();
            app.storages().setSiteFiles(site.system(), null); // announces a change: the runtime reads the row again
            RequestContext rc = site.system();
            AppException e = assertThrows(
                    AppException.class, () -> app.media().upload(rc, request(TestImages.jpeg(300, 200, 1))));
            assertEquals(ErrorCode.UNAVAILABLE, e.code(), e.getMessage());
            assertEquals(503, e.code().httpStatus());
            assertFalse(e.publicMessage().contains("secret-that-must-not-show"), e.publicMessage());
            assertEquals(0, app.storages().get(site.system(), id).usedBytes(), "the reserved room is given back");
            assertEquals(0, rc.db().dsl().fetchCount(dev.tesela.platform.db.schema.tenant.Tables.IMAGES));

            // The admin can still take the broken storage out of the way without its credentials…
            var disabled = app.storages().setActive(site.system(), id, false);
            assertFalse(disabled.active());
            assertTrue(disabled.hasCredentials(), "the sealed values are kept as they were");
            assertEquals(
                    "broken",
                    app.storages()
                            .edit(
                                    site.system(),
                                    id,
                                    new StorageService.Fields(
                                            "broken", null, null, null, null, null, null, null, null, null, null, null,
                                            null),
                                    true)
                            .name());
            // …but not change its connection without giving them again.
            AppException refused = assertThrows(
                    AppException.class,
                    () -> app.storages()
                            .edit(
                                    site.system(),
                                    id,
                                    new StorageService.Fields(
                                            null, null, "other", null, null, null, null, null, null, null, null, null,
                                            null),
                                    false));
            assertEquals(ErrorCode.INVALID_INPUT, refused.code());
            assertTrue(refused.getMessage().contains("cannot be decrypted"), refused.getMessage());
            assertNotNull(
                    app.media().upload(site.system(), request(TestImages.jpeg(300, 200, 2))),
                    "uploads go to the built-in folder again");
        }
    }

    @Test
    void aStorageDeletedWhileAnUploadIsStagedOnItIsA503NotA500AndLeavesNothing() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            long id = app.storages()
                    .add(site.system(), local("doomed", dirs.resolve("doomed")), true)
                    .id();
            // The same site, through a media service whose view of that storage has the storage deleted (by an admin,
            // from another instance) as soon as the upload's first file is staged: no image uses it yet.
            var deleted = new java.util.concurrent.atomic.AtomicBoolean();
            MediaService media = withStores(app, storage -> new ForwardingBlobStore(storage.store()) {
                @Override
                public void stage(String stagingKey, Path file, String contentType) throws IOException {
                    super.stage(stagingKey, file, contentType);
                    if (deleted.compareAndSet(false, true)) {
                        app.storages().delete(site.system(), id);
                    }
                }
            });
            RequestContext rc = site.system();
            AppException e =
                    assertThrows(AppException.class, () -> media.upload(rc, request(TestImages.jpeg(300, 200, 1))));
            assertEquals(ErrorCode.UNAVAILABLE, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("deleted"), e.getMessage());
            assertEquals(List.of(), files(dirs.resolve("doomed")), "what it staged there was discarded");
            assertEquals(0, rc.db().dsl().fetchCount(dev.tesela.platform.db.schema.tenant.Tables.IMAGES));
        }
    }

    @Test
    void twoStoragesOfOnePlaceAreRefusedAndAMoveOntoTheSameFolderDeletesNothing() throws Exception {
        try (TestSite site =
                TestSite.on(TestDatabase.Kind.H2).installed().serving().start()) {
            App app = site.app();
            StoredImage image = app.media()
                    .upload(site.system(), request(TestImages.jpeg(400, 300, 7)))
                    .image();
            assertEquals(null, image.storageId(), "on the built-in folder");
            List<String> before = files(site.files());

            // A storage of the built-in folder itself: moving the images onto it would copy nothing (the files are
            // there already) and then delete the "old" copies, which are the same files.
            long same = app.storages()
                    .add(site.system(), local("built-in again", site.files()), true)
                    .id();
            AppException refused = assertThrows(
                    AppException.class, () -> app.media().moveFiles(site.system(), null, same, 0, p -> {}));
            assertEquals(ErrorCode.INVALID_INPUT, refused.code(), refused.getMessage());
            assertEquals(before, files(site.files()), "no file deleted");
            assertArrayEquals(
                    Files.readAllBytes(site.files().resolve(image.storageKey())), get(site, image.storageKey()));

            long one = app.storages()
                    .add(site.system(), local("one", dirs.resolve("one")), true)
                    .id();
            AppException twice = assertThrows(
                    AppException.class,
                    () -> app.storages().add(site.system(), local("again", dirs.resolve("one/../one")), true));
            assertEquals(ErrorCode.INVALID_INPUT, twice.code());
            assertTrue(twice.getMessage().contains("storage " + one), twice.getMessage());
        }
    }

    @Test
    void aMoveWhoseTargetIsDeletedMeanwhileIsRefusedClearlyAndKeepsTheImageWhereItWas() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            StoredImage image = app.media()
                    .upload(site.system(), request(TestImages.jpeg(400, 300, 8)))
                    .image();
            long target = app.storages()
                    .add(site.system(), local("target", dirs.resolve("target")), true)
                    .id();
            // The same site, through a media service whose view of the target has an admin delete it (no image uses
            // it yet) as soon as the move wrote its first file there.
            var deleted = new java.util.concurrent.atomic.AtomicBoolean();
            MediaService media = withStores(app, storage -> new ForwardingBlobStore(storage.store()) {
                @Override
                public void putNew(String key, Path file, String contentType) throws IOException {
                    super.putNew(key, file, contentType);
                    if (deleted.compareAndSet(false, true)) {
                        app.storages().delete(site.system(), target);
                    }
                }
            });
            AppException e =
                    assertThrows(AppException.class, () -> media.moveFiles(site.system(), null, target, 0, p -> {}));
            assertEquals(ErrorCode.INVALID_INPUT, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("deleted"), e.getMessage());
            assertEquals(
                    null,
                    app.media()
                            .find(
                                    site.system(),
                                    app.media().publicIds(site.system()).encode(image.id()))
                            .orElseThrow()
                            .storageId());
            for (String key : keys(image)) {
                assertTrue(Files.isRegularFile(site.files().resolve(key)), key + " still on the built-in folder");
            }
        }
    }

    /**
     * A media service of {@code app}'s site whose view of each storage of the table (the built-in folder as it is) is
     * {@code view} of it: a store that fails, or that has something happen meanwhile.
     */
    private MediaService withStores(App app, java.util.function.Function<dev.tesela.storage.Storage, BlobStore> view) {
        return MediaService.create(
                dev.tesela.imaging.ImageEngines.select(
                        "auto",
                        new dev.tesela.imaging.PixelBudget(app.config().media().jobPixels())),
                app.config().media(),
                dirs.resolve("tmp"),
                storage -> storage.id() == null ? storage.store() : view.apply(storage),
                java.time.Clock.systemUTC());
    }

    /** A store that stages one file, then answers every later stage as a storage out of reach. */
    private static final class OutAfterFirstStage extends ForwardingBlobStore {
        private final java.util.concurrent.atomic.AtomicInteger stages =
                new java.util.concurrent.atomic.AtomicInteger();

        OutAfterFirstStage(BlobStore store) {
            super(store);
        }

        @Override
        public void stage(String stagingKey, Path file, String contentType) throws IOException {
            if (stages.incrementAndGet() > 1) {
                throw new BlobStore.StoreUnavailableException(
                        "storage flaky did not answer within 2 s", new java.net.SocketTimeoutException());
            }
            super.stage(stagingKey, file, contentType);
        }
    }

    static StorageService.Fields local(String name, Path folder) {
        return local(name, folder, null);
    }

    static StorageService.Fields local(String name, Path folder, String capacity) {
        return new StorageService.Fields(
                name, "local", folder.toString(), null, null, null, capacity, null, null, null, null, null, null);
    }

    static UploadRequest request(byte[] content) {
        return new UploadRequest(
                new UploadSource.FilePart(() -> new ByteArrayInputStream(content), "photo.jpg", null),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                true);
    }

    static List<String> keys(StoredImage image) {
        List<String> keys = new ArrayList<>(List.of(image.storageKey()));
        image.variants().values().forEach(v -> keys.add(v.storageKey()));
        return keys;
    }

    static long bytes(StoredImage image) {
        return image.byteSize()
                + image.variants().values().stream()
                        .mapToLong(StoredImage.Variant::byteSize)
                        .sum();
    }

    private byte[] get(TestSite site, String key) throws Exception {
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(URI.create(site.base() + "/images/" + key))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), key);
        return response.body();
    }

    /** Every regular file under {@code dir}, staging areas included, sorted. */
    static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk
                    .filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new))
                    .stream()
                    .toList();
        }
    }

    private static boolean hasFiles(Path dir) throws IOException {
        return !files(dir).isEmpty();
    }
}
