package dev.tesela.storage;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.media.UploadRequest;
import dev.tesela.media.UploadSource;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.storage.StorageService.Fields;
import dev.tesela.testing.QueryCounter;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Storages as data on the three databases: add, list, edit, test, disable, delete; credentials sealed at rest and
 * opened only with the tenant's own key; the loader's one query; byte counts reserved under concurrency (never past
 * the capacity), released and recounted; (the checks, limits and the round trip's errors: {@link StorageRulesTest}). S3 rows are real rows opened through a
 * stand-in S3 factory (a local folder per bucket, or a store that fails as a bucket would) until the S3 adapter
 * lands.
 */
class StorageServiceTest {
    private static final String ACCESS = "AKIATESTACCESSKEY1";
    static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY";

    /** The stand-in for S3BlobStore::new: a folder per bucket, and buckets that fail as real ones do. */
    static final class FakeS3 implements Function<S3Settings, BlobStore> {
        final Path root;
        final List<S3Settings> opened = new CopyOnWriteArrayList<>();

        FakeS3() throws IOException {
            root = Files.createTempDirectory("tesela-fake-s3-");
        }

        @Override
        public BlobStore apply(S3Settings settings) {
            opened.add(settings);
            return switch (settings.bucket()) {
                case "denied-bucket" ->
                    failing(new IOException(
                            "S3Exception: Access Denied (Service: S3, Status Code: 403, AccessDenied)"));
                case "missing-bucket" -> failing(new IOException("NoSuchBucket: The specified bucket does not exist"));
                case "down-bucket" ->
                    failing(new BlobStore.StoreUnavailableException(
                            "storage did not answer within 3 s", new java.net.ConnectException("Connection refused")));
                default -> {
                    try {
                        yield new LocalBlobStore(root.resolve(settings.bucket()).resolve(settings.keyPrefix()));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
        }

        /** A store whose every I/O call fails with {@code failure}. */
        static BlobStore failing(IOException failure) {
            InvocationHandler handler = (proxy, method, args) -> {
                if (method.getName().equals("describe")) {
                    return "failing";
                }
                throw failure;
            };
            return (BlobStore)
                    Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class}, handler);
        }
    }

    static StorageService service(TestSite site, FakeS3 s3) throws IOException {
        return new StorageService(
                new StorageStores(s3, Duration.ofSeconds(3), 4),
                site.app().tenants(),
                Clock.systemUTC(),
                Files.createTempDirectory("tesela-storage-tests-"));
    }

    static Fields s3(String name, String bucket) {
        return new Fields(
                name,
                "s3",
                bucket,
                "auto",
                "http://127.0.0.1:9000",
                null,
                null,
                null,
                ACCESS,
                SECRET,
                true,
                null,
                null);
    }

    static Fields local(String name, Path folder) {
        return new Fields(name, "local", folder.toString(), null, null, null, null, null, null, null, null, null, null);
    }

    private static Fields edit() {
        return Fields.none();
    }

    private static Fields withCapacity(String capacity) {
        return new Fields(null, null, null, null, null, null, capacity, null, null, null, null, null, null);
    }

    private static Fields withActive(boolean active) {
        return new Fields(null, null, null, null, null, null, null, null, null, null, null, active, null);
    }

    private static Map<String, Object> storedRow(DSLContext dsl, long id) {
        return dsl.select()
                .from(table(name("storages")))
                .where(field(name("id")).eq(id))
                .fetchOne()
                .intoMap();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void storagesAsData(TestDatabase.Kind kind) throws Exception {
        FakeS3 s3 = new FakeS3();
        try (TestSite site = TestSite.on(kind).installed().start()) {
            StorageService storages = service(site, s3);
            var added = storages.add(site.system(), s3("Bucket one", "bucket-one"), true);
            assertEquals("s3", added.api());
            assertTrue(added.hasCredentials());
            assertEquals(1, s3.opened.size(), "the round trip ran before saving");
            assertEquals(ACCESS, s3.opened.getFirst().accessKey());
            assertEquals(Duration.ofSeconds(3), s3.opened.getFirst().callTimeout());
            assertEquals(4, s3.opened.getFirst().maxConcurrency());

            // Sealed at rest: neither the clear text nor its base64 is in the row.
            Map<String, Object> row = storedRow(site.dsl(), added.id());
            String keyEnc = String.valueOf(row.get("key_enc"));
            String secretEnc = String.valueOf(row.get("secret_enc"));
            for (String sealed : List.of(keyEnc, secretEnc)) {
                assertFalse(sealed.contains(SECRET) || sealed.contains(ACCESS), sealed);
                assertFalse(
                        sealed.contains(Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8))));
            }
            TenantContext tenant = site.app().defaultTenant();
            var own = new StorageCredentials(tenant.id(), tenant.keys());
            assertEquals(SECRET, own.open(added.id(), StorageCredentials.Field.SECRET, secretEnc));
            byte[] otherKey = new byte[32];
            otherKey[0] = 1;
            var otherTenant =
                    new StorageCredentials(tenant.id(), new TenantKeys(otherKey, otherKey, otherKey, otherKey));
            assertThrows(
                    IllegalStateException.class,
                    () -> otherTenant.open(added.id(), StorageCredentials.Field.SECRET, secretEnc));
            var otherId = new StorageCredentials("acme", tenant.keys());
            assertThrows(
                    IllegalStateException.class,
                    () -> otherId.open(added.id(), StorageCredentials.Field.SECRET, secretEnc),
                    "bound to the tenant's id");
            assertThrows(
                    IllegalStateException.class,
                    () -> own.open(added.id() + 1, StorageCredentials.Field.SECRET, secretEnc),
                    "bound to the row");
            assertThrows(
                    IllegalStateException.class,
                    () -> own.open(added.id(), StorageCredentials.Field.KEY, secretEnc),
                    "bound to the field");

            var folder = Files.createTempDirectory("tesela-local-storage-");
            var second = storages.add(site.system(), local("Disk", folder), true);
            assertEquals(
                    List.of(added.id(), second.id()),
                    storages.list(site.system()).stream()
                            .map(StorageService.StorageView::id)
                            .toList());

            // The runtime sees the change (the directory replaced it) and loads every row in one query.
            TenantContext runtime = site.app().defaultTenant();
            var loader = new StorageLoader(
                    site.app().config().storage(),
                    site.dataDir().resolve("files"),
                    new StorageStores(s3, Duration.ofSeconds(3), 4));
            var counter = QueryCounter.attachTo(runtime.db().dsl());
            var builtInOnly = counter.count(() -> {
                SiteStorages storagesOfRuntime = loader.load(
                        new TenantContext.Identity(
                                runtime.id(), runtime.placement(), runtime.keys(), runtime.hostname()),
                        runtime.db(),
                        Map.of());
                storagesOfRuntime.byId(null);
                return storagesOfRuntime;
            });
            assertEquals(0, builtInOnly.count(), "the built-in folder needs no query: " + builtInOnly.listing());
            SiteStorages loaded = builtInOnly.result();
            var counted = counter.count(() -> {
                loaded.rows();
                loaded.byId(added.id());
                return loaded.forUpload(1);
            });
            assertEquals(1, counted.count(), counted::listing);
            assertEquals(2, loaded.rows().size());
            assertEquals(1, loaded.activeExternal());
            int openedBefore = s3.opened.size();
            Path file = Files.writeString(Files.createTempFile("tesela-blob-", ".txt"), "hello");
            loaded.byId(added.id()).store().putNew("a/b.txt", file, "text/plain");
            assertEquals(openedBefore + 1, s3.opened.size(), "opened on first use, once");
            loaded.byId(added.id()).store().stat("a/b.txt").orElseThrow();
            assertEquals(openedBefore + 1, s3.opened.size());
            assertEquals(SECRET, s3.opened.getLast().secretKey(), "decrypted with the tenant's key");
            assertEquals(2, runtime.storages().rows().size(), "App's loader reads the same rows");

            // Edit without a secret keeps it; the connection did not change, so no round trip.
            var renamed = storages.edit(
                    site.system(),
                    added.id(),
                    new Fields(
                            "Renamed",
                            null,
                            null,
                            null,
                            null,
                            "https://cdn.example.com/",
                            "1000",
                            null,
                            null,
                            null,
                            null,
                            null,
                            null),
                    true);
            assertEquals("Renamed", renamed.name());
            assertEquals(1000L, renamed.capacityBytes().getAsLong());
            assertTrue(storages.test(site.system(), added.id()).ok());
            assertEquals(SECRET, s3.opened.getLast().secretKey(), "the secret was kept");

            // Reservations under concurrency never pass the capacity (1000 bytes: 10 of 32 reservations of 100).
            int threads = 32;
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicInteger granted = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    done.add(pool.submit(() -> {
                        start.await();
                        if (StorageUsage.reserve(runtime.db(), added.id(), 100)) {
                            granted.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(10, granted.get());
            assertEquals(1000L, ((Number) storedRow(site.dsl(), added.id()).get("used_bytes")).longValue());
            assertFalse(StorageUsage.reserve(runtime.db(), added.id(), 1));
            StorageUsage.release(runtime.db(), added.id(), 300);
            assertTrue(StorageUsage.reserve(runtime.db(), added.id(), 300));
            StorageUsage.release(runtime.db(), added.id(), 5000);
            assertEquals(0L, ((Number) storedRow(site.dsl(), added.id()).get("used_bytes")).longValue());
            assertTrue(StorageUsage.reserve(runtime.db(), null, Long.MAX_VALUE), "the built-in folder has no limit");

            // An image on the storage: recount counts its files; delete is refused until it is moved.
            var image = site.app().media().upload(site.system(), upload(TestImages.png(40, 30, 7)));
            site.dsl()
                    .update(table(name("images")))
                    .set(field(name("storage_id"), Long.class), added.id())
                    .execute();
            long expected = site.dsl()
                            .select(org.jooq.impl.DSL.sum(field(name("byte_size"), Long.class)))
                            .from(table(name("images")))
                            .fetchOne(0, Long.class)
                    + site.dsl()
                            .select(org.jooq.impl.DSL.coalesce(
                                    org.jooq.impl.DSL.sum(field(name("byte_size"), Long.class)),
                                    java.math.BigDecimal.ZERO))
                            .from(table(name("image_variants")))
                            .fetchOne(0, Long.class);
            assertTrue(expected > 0);
            assertEquals(2, StorageUsage.recount(runtime.db()));
            assertEquals(expected, ((Number) storedRow(site.dsl(), added.id()).get("used_bytes")).longValue());
            assertEquals(0L, ((Number) storedRow(site.dsl(), second.id()).get("used_bytes")).longValue());
            var refused = assertThrows(AppException.class, () -> storages.delete(site.system(), added.id()));
            assertEquals(ErrorCode.CONFLICT, refused.code());
            assertTrue(refused.getMessage().contains("still holds 1 image(s)"), refused.getMessage());
            assertTrue(refused.getMessage().contains("storage-move"), refused.getMessage());
            site.dsl()
                    .update(table(name("images")))
                    .set(field(name("storage_id"), Long.class), (Long) null)
                    .execute();

            // A file deletion queued against it: refused too (the queue would lose its storage).
            var now = java.time.LocalDateTime.now(java.time.ZoneOffset.UTC);
            site.dsl()
                    .insertInto(table(name("blob_deletions")))
                    .set(field(name("storage_key"), String.class), "gone/file.png")
                    .set(field(name("queued_at"), java.time.LocalDateTime.class), now)
                    .set(field(name("next_attempt_at"), java.time.LocalDateTime.class), now)
                    .set(field(name("storage_id"), Long.class), added.id())
                    .execute();
            var queued = assertThrows(AppException.class, () -> storages.delete(site.system(), added.id()));
            assertTrue(queued.getMessage().contains("1 file deletion(s) queued"), queued.getMessage());
            site.dsl()
                    .deleteFrom(table(name("blob_deletions")))
                    .where(field(name("storage_id")).eq(added.id()))
                    .execute();

            // Recount through the service: nothing on it any more.
            assertEquals(
                    0L,
                    storages.recount(site.system()).stream()
                            .filter(v -> v.id() == added.id())
                            .findFirst()
                            .orElseThrow()
                            .usedBytes());

            storages.setActive(site.system(), second.id(), false);
            assertFalse(storages.get(site.system(), second.id()).active());
            storages.delete(site.system(), added.id());
            storages.delete(site.system(), second.id());
            assertTrue(storages.list(site.system()).isEmpty());
            assertTrue(site.app().defaultTenant().storages().onlyBuiltIn());
            assertTrue(image.toString().length() > 0);
        }
    }

    private static UploadRequest upload(byte[] content) {
        return new UploadRequest(
                new UploadSource.FilePart(() -> new ByteArrayInputStream(content), "f.png", null),
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
}
