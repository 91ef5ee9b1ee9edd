package dev.tesela.media;

import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGE_VARIANTS;
import static dev.tesela.platform.db.schema.tenant.Tables.STORAGES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.db.Times;
import dev.tesela.platform.web.WebServer;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.SiteStorages;
import dev.tesela.storage.Storage;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Files of a storage that keeps nothing on this machine (a remote store: no local file, every read a call that is
 * counted here) are served through {@code /images/<key>} with the caching, validators and ranges of local files:
 * found by one lookup of the key, small ones cached, large ones streamed (a range read as that range only), a store
 * that fails answered 503 with Retry-After in bounded time. And a storage with a public URL gets its files' direct
 * links there. The site is the real application over HTTP; its images are uploaded into the built-in folder, then
 * moved (files copied, {@code images.storage_id} set) into the stores below, which stand in for S3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RemoteStorageServingTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String CDN = "https://cdn.example.test/site/";
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final RemoteStore remote = new RemoteStore();
    private final RemoteStore behindCdn = new RemoteStore();
    /** The storages rows the site's runtime gets besides its built-in folder (filled once their rows exist). */
    private final Map<Long, Storage> rows = new ConcurrentHashMap<>();

    private TestDatabase db;
    private App app;
    private WebServer server;
    private String base;
    private String apiKey;
    private long remoteId;
    private long cdnId;
    private int seed;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.H2);
        app = App.wire(
                TestApps.config(TestApps.env(db, Map.of())),
                storages -> new SiteStorages(storages.builtIn().orElseThrow(), Map.copyOf(rows)));
        app.migrate();
        RequestContext system = app.systemContext(app.defaultTenant());
        app.installs().install(system, new InstallCommand("admin", "admin@example.com", "correct horse battery"));
        apiKey = app.accounts().createApiKey(system, "admin", "tests");
        // Inactive, so that they never take uploads: the images get here by being moved.
        remoteId = storageRow("remote", null);
        cdnId = storageRow("behind a CDN", CDN);
        rows.put(remoteId, storage(remoteId, "remote", remote, Optional.empty()));
        rows.put(cdnId, storage(cdnId, "behind a CDN", behindCdn, Optional.of(CDN)));
        app.tenants().invalidateAll(); // the runtime is made again, with the rows
        server = app.webServer();
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
        if (app != null) {
            app.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aRemoteFileIsServedWithTheValidatorsAndRangesOfALocalOne() throws Exception {
        Uploaded image = uploadInto(remoteId, remote);
        byte[] bytes = remote.bytes(image.key());

        HttpResponse<byte[]> full = send("GET", image.path(), Map.of());
        assertEquals(200, full.statusCode());
        assertArrayEquals(bytes, full.body());
        assertEquals("image/jpeg", header(full, "Content-Type"));
        assertEquals("public, max-age=31536000, immutable", header(full, "Cache-Control"));
        String etag = header(full, "ETag");
        String lastModified = header(full, "Last-Modified");
        assertEquals(
                RemoteStore.MODIFIED,
                Instant.from(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.parse(lastModified)));

        assertEquals(
                304, send("GET", image.path(), Map.of("If-None-Match", etag)).statusCode());
        assertEquals(
                304,
                send("GET", image.path(), Map.of("If-Modified-Since", lastModified))
                        .statusCode());
        HttpResponse<byte[]> range = send("GET", image.path(), Map.of("Range", "bytes=10-19"));
        assertEquals(206, range.statusCode());
        assertEquals("bytes 10-19/" + bytes.length, header(range, "Content-Range"));
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 10, 20), range.body());
        HttpResponse<byte[]> unsatisfiable = send("GET", image.path(), Map.of("Range", "bytes=" + bytes.length + "-"));
        assertEquals(416, unsatisfiable.statusCode());
        assertEquals("bytes */" + bytes.length, header(unsatisfiable, "Content-Range"));
        HttpResponse<byte[]> head = send("HEAD", image.path(), Map.of());
        assertEquals(200, head.statusCode());
        assertEquals(Integer.toString(bytes.length), header(head, "Content-Length"));
        assertEquals(0, head.body().length);

        // Small: read from the store once, then served from memory (by the direct path once cached), without asking
        // the store again within REMOTE_RECHECK_AFTER.
        assertEquals(1, remote.opens(image.key()));
        assertEquals(1, remote.stats(image.key()));
        long direct = server.directFileAnswers();
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(bytes, send("GET", image.path(), Map.of()).body());
        }
        assertEquals(direct + 5, server.directFileAnswers());
        assertEquals(1, remote.opens(image.key()));
        assertEquals(1, remote.stats(image.key()));
        // The site's runtime is made again every minute and on any change; its storage's store is the same, and so
        // the cached file is still served from memory, not fetched again.
        app.tenants().invalidateAll();
        assertArrayEquals(bytes, send("GET", image.path(), Map.of()).body());
        assertEquals(1, remote.opens(image.key()), "a new runtime does not fetch a cached file again");

        // Its variants live on its storage too.
        for (String variant : image.variantKeys()) {
            HttpResponse<byte[]> v = send("GET", "/images/" + variant, Map.of());
            assertEquals(200, v.statusCode(), variant);
            assertArrayEquals(remote.bytes(variant), v.body());
        }
    }

    @Test
    void anUnknownKeyIsA404WithoutTouchingAnyStore() throws Exception {
        uploadInto(remoteId, remote); // the store has files; none of them is asked for
        long calls = remote.calls();
        assertEquals(
                404,
                send("GET", "/images/2026/01/01/nothing-here.jpg", Map.of()).statusCode());
        assertEquals(404, send("HEAD", "/images/nothing.png", Map.of()).statusCode());
        assertEquals(calls, remote.calls());
    }

    @Test
    void aRangeOfALargeFileIsReadAsThatRangeOnly() throws Exception {
        long size = 3L * 1024 * 1024 + 17; // above the in-memory limit: streamed from the store
        Uploaded image = largeInto(remote, size);

        HttpResponse<byte[]> range = send("GET", image.path(), Map.of("Range", "bytes=2000000-2000099"));
        assertEquals(206, range.statusCode());
        assertEquals("bytes 2000000-2000099/" + size, header(range, "Content-Range"));
        assertArrayEquals(Generated.bytes(2_000_000, 100), range.body());
        assertEquals(List.of(new RemoteStore.Read(image.key(), 2_000_000, 100)), remote.reads(image.key()));
        assertEquals(100, remote.bytesRead(image.key()));

        // Nothing to read for a HEAD, a 304 or a 416.
        HttpResponse<byte[]> head = send("HEAD", image.path(), Map.of());
        assertEquals(Long.toString(size), header(head, "Content-Length"));
        assertEquals(
                304,
                send("GET", image.path(), Map.of("If-None-Match", header(head, "ETag")))
                        .statusCode());
        assertEquals(
                416,
                send("GET", image.path(), Map.of("Range", "bytes=" + size + "-"))
                        .statusCode());
        assertEquals(1, remote.reads(image.key()).size());
    }

    @Test
    void aFiftyMegabyteFileIsStreamedNotBuffered() throws Exception {
        long size = 50L * 1024 * 1024;
        Uploaded image = largeInto(remote, size);
        // The store hands out 8 MB, then holds its stream until the client has received 4 MB: a server that read
        // the whole object before answering would never send them.
        CountDownLatch clientHasFourMegabytes = new CountDownLatch(1);
        remote.holdAt(image.key(), 8L * 1024 * 1024, clientHasFourMegabytes);

        HttpResponse<InputStream> res = http.sendAsync(
                        HttpRequest.newBuilder(URI.create(base + image.path())).build(),
                        HttpResponse.BodyHandlers.ofInputStream())
                .get(10, TimeUnit.SECONDS);
        assertEquals(200, res.statusCode());
        assertEquals(Long.toString(size), header(res, "Content-Length"));
        CRC32 received = new CRC32();
        long total;
        try (InputStream body = res.body()) {
            // Arrives while the store has handed out 8 MB at most (it holds the rest until this is read).
            byte[] first = body.readNBytes(4 * 1024 * 1024);
            assertEquals(4 * 1024 * 1024, first.length);
            clientHasFourMegabytes.countDown();
            received.update(first);
            total = first.length;
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = body.read(buffer)) > 0; ) {
                received.update(buffer, 0, n);
                total += n;
            }
        }
        assertEquals(size, total);
        assertEquals(Generated.crc(size), received.getValue());
        assertEquals(size, remote.bytesRead(image.key()));
        assertTrue(
                remote.largestRead(image.key()) <= 1024 * 1024,
                "the server reads through a bounded buffer, not the whole object: " + remote.largestRead(image.key()));
    }

    @Test
    void aStoreThatFailsMidStreamBreaksTheDownload() throws Exception {
        Uploaded image = largeInto(remote, 3L * 1024 * 1024);
        remote.failAt(image.key(), 1024 * 1024);
        IOException broken = assertThrows(IOException.class, () -> send("GET", image.path(), Map.of()));
        assertFalse(broken instanceof java.net.http.HttpTimeoutException, "cut at once, not left to time out");
    }

    @Test
    void aStoreThatDoesNotAnswerIsA503WithRetryAfterInBoundedTime() throws Exception {
        Uploaded small = uploadInto(remoteId, remote);
        Uploaded large = largeInto(remote, 2L * 1024 * 1024);
        send("HEAD", large.path(), Map.of()); // its size is known; its bytes are read per request
        remote.failAfter(Duration.ofMillis(300)); // what an adapter does when its call timeout runs out
        try {
            for (Uploaded image : List.of(small, large)) {
                long started = System.nanoTime();
                HttpResponse<byte[]> res = send("GET", image.path(), Map.of());
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertEquals(503, res.statusCode(), image.path());
                assertEquals("5", header(res, "Retry-After"));
                assertFalse(res.headers().firstValue("Cache-Control").orElse("").contains("immutable"));
                assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "answered in " + took);
            }
        } finally {
            remote.failAfter(null);
        }
        assertEquals(200, send("GET", small.path(), Map.of()).statusCode());
        assertEquals(200, send("GET", large.path(), Map.of()).statusCode());
    }

    @Test
    void aLargeFileMovedToAnotherStorageIsFoundThereAtOnce() throws Exception {
        long size = 2L * 1024 * 1024;
        Uploaded image = largeInto(remote, size);
        assertEquals(200, send("HEAD", image.path(), Map.of()).statusCode()); // cached: its store is remembered
        // What a move does: a copy on the new storage, the row pointed at it, the old copy deleted.
        behindCdn.putGenerated(image.key(), size);
        dsl().update(IMAGES)
                .set(IMAGES.STORAGE_ID, cdnId)
                .where(IMAGES.ID.eq(image.id()))
                .execute();
        remote.delete(image.key());
        HttpResponse<byte[]> res = send("GET", image.path(), Map.of("Range", "bytes=0-99"));
        assertEquals(206, res.statusCode());
        assertArrayEquals(Generated.bytes(0, 100), res.body());
        assertEquals(List.of(new RemoteStore.Read(image.key(), 0, 100)), behindCdn.reads(image.key()));
    }

    @Test
    void aFileDeletedOnThisInstanceIsA404AtOnce() throws Exception {
        Uploaded image = uploadInto(remoteId, remote);
        assertEquals(200, send("GET", image.path(), Map.of()).statusCode()); // cached now
        // What ImageDeletion does: the rows go, the files are dropped from the cache, then from the store.
        List<String> keys = new ArrayList<>(image.variantKeys());
        keys.add(image.key());
        dsl().deleteFrom(IMAGE_VARIANTS)
                .where(IMAGE_VARIANTS.IMAGE_ID.eq(image.id()))
                .execute();
        dsl().deleteFrom(IMAGES).where(IMAGES.ID.eq(image.id())).execute();
        app.media().filesDeleted(app.systemContext(app.defaultTenant()), keys);
        keys.forEach(remote::delete);
        assertEquals(404, send("GET", image.path(), Map.of()).statusCode());
        assertEquals(
                404,
                send("GET", "/images/" + image.variantKeys().getFirst(), Map.of())
                        .statusCode());
    }

    @Test
    void aStorageWithAPublicUrlGetsItsFilesLinkedThereAndTeselaStillServesThem() throws Exception {
        Uploaded image = uploadInto(cdnId, behindCdn);
        HttpResponse<String> page = http.send(
                HttpRequest.newBuilder(URI.create(base + "/image/" + image.publicId()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() == 302) { // to the viewer's canonical path
            page = http.send(
                    HttpRequest.newBuilder(URI.create(base + header(page, "Location")))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(200, page.statusCode());
        String html = page.body();
        assertTrue(html.contains(CDN + image.key()), html);
        assertFalse(html.contains("/images/" + image.key()), "no link through Tesela for the file");
        for (String variant : image.variantKeys()) {
            assertFalse(html.contains("/images/" + variant), "no link through Tesela for " + variant);
        }
        assertFalse(html.contains(base + "/images/"), html);
        // Links published before the move keep working: Tesela serves the file from its storage.
        HttpResponse<byte[]> file = send("GET", image.path(), Map.of());
        assertEquals(200, file.statusCode());
        assertArrayEquals(behindCdn.bytes(image.key()), file.body());
    }

    // -----------------------------------------------------------------------------------------------------------

    /** An uploaded image: its row, public id, main file key, direct path on this site and its variants' keys. */
    private record Uploaded(long id, String publicId, String key, List<String> variantKeys) {
        String path() {
            return "/images/" + key;
        }
    }

    /** Uploads a new JPEG through API v1 (into the built-in folder), then moves its files into {@code store}. */
    private Uploaded uploadInto(long storageId, RemoteStore store) throws Exception {
        String body = "key=" + enc(apiKey) + "&format=json&source="
                + enc(Base64.getEncoder().encodeToString(TestImages.jpeg(1200, 900, ++seed)));
        HttpResponse<String> res = http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        JsonNode image = JSON.readTree(res.body()).get("image");
        String key = URI.create(image.get("url").asString()).getRawPath().substring("/images/".length());
        long id = dsl().select(IMAGES.ID)
                .from(IMAGES)
                .where(IMAGES.STORAGE_KEY.eq(key))
                .fetchSingle(IMAGES.ID);
        List<String> variants = dsl().select(IMAGE_VARIANTS.STORAGE_KEY)
                .from(IMAGE_VARIANTS)
                .where(IMAGE_VARIANTS.IMAGE_ID.eq(id))
                .fetch(IMAGE_VARIANTS.STORAGE_KEY);
        assertFalse(variants.isEmpty(), "a 1200x900 upload has a thumb and a medium");
        BlobStore builtIn =
                app.defaultTenant().storages().builtIn().orElseThrow().store();
        List<String> all = new ArrayList<>(variants);
        all.add(key);
        for (String k : all) {
            try (InputStream in = builtIn.open(k).orElseThrow()) {
                store.put(k, in.readAllBytes());
            }
            builtIn.delete(k);
        }
        dsl().update(IMAGES)
                .set(IMAGES.STORAGE_ID, storageId)
                .where(IMAGES.ID.eq(id))
                .execute();
        return new Uploaded(id, image.get("id_encoded").asString(), key, variants);
    }

    /** An image whose main file is {@code size} generated bytes in {@code store} (its row: a moved upload's). */
    private Uploaded largeInto(RemoteStore store, long size) throws Exception {
        Uploaded moved = uploadInto(remoteId, store);
        String key = "large/" + moved.id() + ".jpg";
        store.putGenerated(key, size);
        dsl().update(IMAGES)
                .set(IMAGES.STORAGE_KEY, key)
                .where(IMAGES.ID.eq(moved.id()))
                .execute();
        return new Uploaded(moved.id(), moved.publicId(), key, moved.variantKeys());
    }

    private long storageRow(String name, String publicUrl) {
        return dsl().insertInto(STORAGES)
                .set(STORAGES.NAME, name)
                .set(STORAGES.API, Storage.S3)
                .set(STORAGES.PUBLIC_URL, publicUrl)
                .set(STORAGES.IS_ACTIVE, false)
                .set(STORAGES.CREATED_AT, Times.utc(Instant.now()))
                .returningResult(STORAGES.ID)
                .fetchOne(STORAGES.ID);
    }

    private static Storage storage(long id, String name, BlobStore store, Optional<String> publicUrl) {
        return new Storage(id, name, Storage.S3, store, publicUrl, false, OptionalLong.empty(), 0);
    }

    private DSLContext dsl() {
        return app.defaultTenant().db().dsl();
    }

    private HttpResponse<byte[]> send(String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String header(HttpResponse<?> res, String name) {
        return res.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " header"));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The generated content of large objects: byte {@code i} is a function of {@code i}. */
    static final class Generated {
        static byte at(long i) {
            return (byte) (i * 131 + (i >>> 11));
        }

        static byte[] bytes(long from, int length) {
            byte[] b = new byte[length];
            for (int i = 0; i < length; i++) {
                b[i] = at(from + i);
            }
            return b;
        }

        static long crc(long size) {
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[1 << 16];
            for (long pos = 0; pos < size; pos += chunk.length) {
                int n = (int) Math.min(chunk.length, size - pos);
                for (int i = 0; i < n; i++) {
                    chunk[i] = at(pos + i);
                }
                crc.update(chunk, 0, n);
            }
            return crc.getValue();
        }
    }

    /**
     * A store that keeps nothing on this machine's disk (no {@link #localFile}), as S3 does: files in memory, large
     * ones generated as they are read. It counts every call and every byte read, per key, and can be told to hold a
     * stream at some offset, to fail a stream there, or to fail every call after a delay (its "timeout").
     */
    static final class RemoteStore implements BlobStore {
        static final Instant MODIFIED = Instant.parse("2026-11-30T12:00:00Z");

        record Read(String key, long offset, long length) {}

        private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
        private final Map<String, Long> generated = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> statCalls = new ConcurrentHashMap<>();
        private final Map<String, List<Read>> reads = new ConcurrentHashMap<>();
        private final Map<String, AtomicLong> bytesRead = new ConcurrentHashMap<>();
        private final Map<String, AtomicLong> largestRead = new ConcurrentHashMap<>();
        private final Map<String, long[]> failAt = new ConcurrentHashMap<>();
        private final Map<String, Hold> holds = new ConcurrentHashMap<>();
        private final AtomicLong calls = new AtomicLong();
        private volatile Duration failAfter;

        private record Hold(long at, CountDownLatch until) {}

        void put(String key, byte[] bytes) {
            blobs.put(key, bytes);
        }

        void putGenerated(String key, long size) {
            generated.put(key, size);
        }

        byte[] bytes(String key) {
            return blobs.get(key).clone();
        }

        void holdAt(String key, long offset, CountDownLatch until) {
            holds.put(key, new Hold(offset, until));
        }

        void failAt(String key, long offset) {
            failAt.put(key, new long[] {offset});
        }

        void failAfter(Duration delay) {
            failAfter = delay;
        }

        int stats(String key) {
            return statCalls.getOrDefault(key, new AtomicInteger()).get();
        }

        int opens(String key) {
            return reads(key).size();
        }

        List<Read> reads(String key) {
            return List.copyOf(reads.getOrDefault(key, List.of()));
        }

        long bytesRead(String key) {
            return bytesRead.getOrDefault(key, new AtomicLong()).get();
        }

        long largestRead(String key) {
            return largestRead.getOrDefault(key, new AtomicLong()).get();
        }

        long calls() {
            return calls.get();
        }

        private void call() throws IOException {
            calls.incrementAndGet();
            Duration delay = failAfter;
            if (delay != null) {
                try {
                    Thread.sleep(delay); // the store's bounded wait, not a test's timing
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new StoreUnavailableException("remote store: no answer within " + delay, null);
            }
        }

        private OptionalLong size(String key) {
            byte[] b = blobs.get(key);
            if (b != null) {
                return OptionalLong.of(b.length);
            }
            Long g = generated.get(key);
            return g == null ? OptionalLong.empty() : OptionalLong.of(g);
        }

        @Override
        public String describe() {
            return "remote:test";
        }

        @Override
        public Optional<BlobStat> stat(String key) throws IOException {
            call();
            statCalls.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            OptionalLong size = size(key);
            return size.isEmpty() ? Optional.empty() : Optional.of(new BlobStat(size.getAsLong(), MODIFIED));
        }

        @Override
        public Optional<InputStream> open(String key) throws IOException {
            OptionalLong size = size(key);
            return open(key, 0, size.orElse(0));
        }

        @Override
        public Optional<InputStream> open(String key, long offset, long length) throws IOException {
            call();
            OptionalLong size = size(key);
            if (size.isEmpty()) {
                return Optional.empty();
            }
            reads.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(new Read(key, offset, length));
            byte[] blob = blobs.get(key);
            long end = Math.min(size.getAsLong(), offset + length);
            return Optional.of(new CountingStream(key, blob, offset, end));
        }

        /** Bytes {@code [pos, end)} of a blob (or of the generated content), counted as read. */
        private final class CountingStream extends InputStream {
            private final String key;
            private final byte[] blob;
            private long pos;
            private final long end;

            CountingStream(String key, byte[] blob, long pos, long end) {
                this.key = key;
                this.blob = blob;
                this.pos = pos;
                this.end = end;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                largestRead.computeIfAbsent(key, k -> new AtomicLong()).accumulateAndGet(len, Math::max);
                long[] failure = failAt.get(key);
                if (failure != null && pos >= failure[0]) {
                    throw new StoreUnavailableException("remote store: connection reset", null);
                }
                Hold hold = holds.get(key);
                long limit = end;
                if (hold != null && hold.until().getCount() > 0) {
                    if (pos >= hold.at()) {
                        try {
                            if (!hold.until().await(20, TimeUnit.SECONDS)) {
                                throw new StoreUnavailableException("remote store: held too long", null);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException();
                        }
                    } else {
                        limit = Math.min(end, hold.at());
                    }
                }
                if (failure != null) {
                    limit = Math.min(limit, Math.max(failure[0], pos + 1));
                }
                int n = (int) Math.min(len, limit - pos);
                for (int i = 0; i < n; i++) {
                    b[off + i] = blob != null ? blob[(int) (pos + i)] : Generated.at(pos + i);
                }
                pos += n;
                bytesRead.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(n);
                return n;
            }
        }

        @Override
        public Optional<Path> localFile(String key) {
            return Optional.empty();
        }

        @Override
        public boolean delete(String key) {
            return blobs.remove(key) != null | generated.remove(key) != null;
        }

        @Override
        public void putNew(String key, Path file, String contentType) {
            throw new UnsupportedOperationException("uploads go to the built-in folder here");
        }

        @Override
        public void stage(String stagingKey, Path file, String contentType) {
            throw new UnsupportedOperationException("uploads go to the built-in folder here");
        }

        @Override
        public boolean publish(String stagingKey, String key) {
            throw new UnsupportedOperationException("uploads go to the built-in folder here");
        }

        @Override
        public boolean discardStaged(String stagingKey) {
            return false;
        }

        @Override
        public List<StagedBlob> staged(int limit) {
            return List.of();
        }
    }
}
