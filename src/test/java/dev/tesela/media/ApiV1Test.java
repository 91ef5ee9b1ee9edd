package dev.tesela.media;

import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.testing.Multipart;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * API v1 over real HTTP against the real app (H2, local files, the configured imaging engine): every request shape
 * the known clients send, the response contract they read, direct serving of what was stored, the delete link, and
 * bad input answered with its error while leaving nothing behind (no row, no blob, no temp file).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiV1Test {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"csrf_token\" value=\"([^\"]*)\"");
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private static final String SITE_HOST = "images.example.test";

    @AutoClose
    private TestSite site;

    private App app;
    private String base;
    private Path dataDir;
    private String adminKey;
    private String userKey;
    private int seed = 1;

    @BeforeAll
    void start() {
        // Links are built from the configured host name, not from the address the test connects to.
        site = TestSite.on(TestDatabase.Kind.H2)
                .env("TESELA_HOSTNAME", SITE_HOST)
                .installed()
                .user("alice")
                .apiKey(TestSite.ADMIN, "tests")
                .apiKey("alice", "sharex")
                .serving()
                .start();
        app = site.app();
        dataDir = site.dataDir();
        adminKey = site.key(TestSite.ADMIN);
        userKey = site.key("alice");
        base = site.base();
    }

    @BeforeEach
    void nextSeed() {
        seed++;
    }

    // ---- request shapes ----------------------------------------------------------------------------------------

    @Test
    void multipartSourceWithKeyFieldReturnsTheImageAndEveryUrlWorks() throws Exception {
        byte[] jpeg = TestImages.jpeg(1200, 800, seed);
        Multipart form = new Multipart()
                .field("key", userKey)
                .field("format", "json")
                .field("title", "Sunset over the bay")
                .field("tags", "sea, Sunset")
                .file("source", "sunset.jpg", "image/jpeg", jpeg);
        HttpResponse<String> response = post("/api/1/upload", form);
        assertTrue(
                response.headers().firstValue("Strict-Transport-Security").isEmpty(), "no HSTS without TESELA_HTTPS");
        JsonNode body = json(response, 200);
        assertEquals(200, body.get("status_code").asInt());
        assertEquals("OK", body.get("status_txt").asString());
        assertEquals("file uploaded", body.get("success").get("message").asString());
        JsonNode image = body.get("image");
        assertEquals("Sunset over the bay", image.get("title").asString());
        assertEquals(1200, image.get("width").asInt());
        assertEquals(800, image.get("height").asInt());
        assertEquals("image/jpeg", image.get("mime").asString());
        assertEquals("jpg", image.get("extension").asString());
        assertEquals(List.of("sea", "sunset"), JSON.convertValue(image.get("tags"), List.class));
        String id = image.get("id_encoded").asString();
        assertTrue(id.matches("[A-Za-z0-9]+"), id);
        assertEquals(
                "http://" + SITE_HOST + "/image/sunset-over-the-bay." + id,
                image.get("url_viewer").asString());
        assertEquals(
                "/image/sunset-over-the-bay." + id, image.get("path_viewer").asString());
        assertTrue(image.get("url_short").asString().endsWith("/image/" + id));
        assertFalse(image.has("id"), "numeric id must not leak");
        assertFalse(image.toString().contains("127.0.0.1\",\"uploader"), "no uploader ip");

        HttpResponse<byte[]> main = getBytes(path(image.get("url").asString()), Map.of());
        assertEquals(200, main.statusCode());
        assertEquals("image/jpeg", main.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(
                "nosniff", main.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertTrue(main.headers().firstValue("Cache-Control").orElseThrow().contains("immutable"));
        assertArrayEquals(TestImages.size(jpeg), TestImages.size(main.body()));

        HttpResponse<byte[]> thumb = getBytes(path(image.get("thumb").get("url").asString()), Map.of());
        assertEquals(200, thumb.statusCode());
        assertArrayEquals(new int[] {320, 320}, TestImages.size(thumb.body()));
        HttpResponse<byte[]> medium =
                getBytes(path(image.get("medium").get("url").asString()), Map.of());
        assertArrayEquals(new int[] {500, 333}, TestImages.size(medium.body()));
        assertEquals(
                image.get("medium").get("url").asString(),
                image.get("display_url").asString());

        HttpResponse<String> viewer = get(image.get("path_viewer").asString(), Map.of());
        assertEquals(200, viewer.statusCode());
        assertTrue(viewer.body().contains("Sunset over the bay"));
        assertTrue(viewer.body().contains("[img]" + image.get("url").asString() + "[/img]"), "BBCode embed");
        HttpResponse<String> shortUrl = get("/image/" + id, Map.of());
        assertEquals(302, shortUrl.statusCode());
        assertEquals(
                image.get("path_viewer").asString(),
                shortUrl.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void headerKeyTrailingSlashAndQueryKeyAreAccepted() throws Exception {
        Multipart form = new Multipart().file("source", "a.png", "image/png", TestImages.png(64, 48, seed));
        HttpResponse<String> ok = http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/1/upload/"))
                        .header("X-API-Key", userKey)
                        .header("Content-Type", form.contentType())
                        .POST(form.publisher())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode image = json(ok, 200).get("image");
        assertEquals(64, image.get("width").asInt());
        assertTrue(image.get("medium").get("url").isNull(), "no medium for a small image");

        seed++;
        Multipart second = new Multipart().file("source", "b.png", "image/png", TestImages.png(80, 60, seed));
        HttpResponse<String> query = post("/api/1/upload/?key=" + userKey, second);
        assertEquals(80, json(query, 200).get("image").get("width").asInt());
    }

    @Test
    void base64WithWhitespaceIsAcceptedAndDataUriPrefixIsRefused() throws Exception {
        String b64 = Base64.getMimeEncoder().encodeToString(TestImages.jpeg(300, 200, seed)); // has CRLF every 76 chars
        JsonNode ok = json(postForm("/api/1/upload", Map.of("key", userKey, "source", b64)), 200);
        assertEquals(300, ok.get("image").get("width").asInt());

        JsonNode dataUri =
                json(postForm("/api/1/upload", Map.of("key", userKey, "source", "data:image/jpeg;base64," + b64)), 400);
        assertEquals(400, dataUri.get("status_code").asInt());
        assertEquals("Bad Request", dataUri.get("status_txt").asString());
        assertTrue(dataUri.get("error").get("message").asString().contains("base64"), dataUri.toString());

        HttpResponse<String> viaGet =
                get("/api/1/upload?key=" + userKey + "&source=" + enc(b64.replaceAll("\\s", "")), Map.of());
        assertEquals(130, json(viaGet, 400).get("error").get("code").asInt());
        assertNothingLeftBehind();
    }

    @Test
    void txtAndRedirectFormats() throws Exception {
        HttpResponse<String> txt = postForm(
                "/api/1/upload",
                Map.of(
                        "key",
                        userKey,
                        "format",
                        "txt",
                        "source",
                        Base64.getEncoder().encodeToString(TestImages.png(40, 40, seed))));
        assertEquals(200, txt.statusCode());
        assertTrue(txt.body().matches("http://.+/images/\\d{4}/\\d{2}/\\d{2}/.+\\.png"), txt.body());
        assertEquals(200, getBytes(path(txt.body()), Map.of()).statusCode());

        seed++;
        HttpResponse<String> redirect = postForm(
                "/api/1/upload",
                Map.of(
                        "key",
                        userKey,
                        "format",
                        "redirect",
                        "source",
                        Base64.getEncoder().encodeToString(TestImages.png(40, 40, seed))));
        assertEquals(302, redirect.statusCode());
        String location = redirect.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith("/image/"), location);
        assertEquals(200, get(location, Map.of()).statusCode());

        HttpResponse<String> txtError =
                postForm("/api/1/upload", Map.of("key", "wrong", "format", "txt", "source", "x"));
        assertEquals("Invalid API key.", txtError.body());
    }

    @Test
    void imgbbModeAnswersWithDataAndStatus() throws Exception {
        JsonNode body = json(
                postForm(
                        "/api/1/upload?key=" + userKey,
                        Map.of("image", Base64.getEncoder().encodeToString(TestImages.png(50, 30, seed)))),
                200);
        assertEquals(200, body.get("status").asInt());
        assertFalse(body.has("image"));
        assertEquals(
                body.get("data").get("id_encoded").asString(),
                body.get("data").get("id").asString());
        assertTrue(body.get("data").get("url").asString().endsWith(".png"));
    }

    @Test
    void shareXImgbbUploaderSendsAMultipartImageFieldToTheImgbbPath() throws Exception {
        JsonNode body = json(
                post(
                        "/1/upload?key=" + userKey,
                        new Multipart().file("image", "screenshot.png", "image/png", TestImages.png(120, 80, seed))),
                200);
        assertEquals(200, body.get("status").asInt());
        assertEquals(120, body.get("data").get("width").asInt());
        assertEquals("screenshot", body.get("data").get("title").asString());
    }

    @Test
    void keysVersionsAndActionsHaveTheirErrorCodes() throws Exception {
        assertEquals(
                100,
                json(postForm("/api/1/upload", Map.of("source", "abcd")), 400)
                        .get("error")
                        .get("code")
                        .asInt());
        assertEquals(
                100,
                json(postForm("/api/1/upload", Map.of("key", "tsk_forged", "source", "abcd")), 400)
                        .get("error")
                        .get("code")
                        .asInt());
        assertEquals(
                110,
                json(get("/api/2/upload", Map.of()), 400)
                        .get("error")
                        .get("code")
                        .asInt());
        assertEquals(
                120,
                json(get("/api/1/list", Map.of()), 400).get("error").get("code").asInt());
        assertEquals(
                130,
                json(postForm("/api/1/upload", Map.of("key", userKey)), 400)
                        .get("error")
                        .get("code")
                        .asInt());
        assertNothingLeftBehind();
    }

    @Test
    void guestKeyWorksOnlyWhenTheAdministratorEnabledIt() throws Exception {
        RequestContext system = app.systemContext(app.defaultTenant());
        app.settings().update(system, "api_v1_key", "public-guest-key-0123456789");
        String png = Base64.getEncoder().encodeToString(TestImages.png(30, 30, seed));
        assertEquals(
                100,
                json(postForm("/api/1/upload", Map.of("key", "public-guest-key-0123456789", "source", png)), 400)
                        .get("error")
                        .get("code")
                        .asInt());
        app.settings().update(system, "enable_api_guest", "1");
        try {
            JsonNode ok =
                    json(postForm("/api/1/upload", Map.of("key", "public-guest-key-0123456789", "source", png)), 200);
            assertEquals(30, ok.get("image").get("width").asInt());
        } finally {
            app.settings().update(system, "enable_api_guest", "0");
        }
    }

    @Test
    void urlSourcesAreForAdminsAndNeverReachPrivateAddresses() throws Exception {
        String url = base + "/static/favicon.svg";
        JsonNode user = json(postForm("/api/1/upload", Map.of("key", userKey, "source", url)), 400);
        assertEquals(401, user.get("error").get("code").asInt(), user.toString());
        JsonNode admin = json(postForm("/api/1/upload", Map.of("key", adminKey, "source", url)), 400);
        assertTrue(admin.get("error").get("message").asString().contains("private or local address"), admin.toString());
        JsonNode scheme =
                json(postForm("/api/1/upload", Map.of("key", adminKey, "source", "ftp://example.com/a.png")), 400);
        assertTrue(scheme.get("error").get("message").asString().contains("http"), scheme.toString());
    }

    // ---- bad input leaves nothing behind ---------------------------------------------------------------------------

    @Test
    void badFilesAreRefusedWithAClearErrorAndLeaveNothingBehind() throws Exception {
        long rows = imageRows();
        long blobs = blobCount();

        JsonNode text = json(
                post(
                        "/api/1/upload",
                        new Multipart()
                                .field("key", userKey)
                                .file(
                                        "source",
                                        "notes.png",
                                        "application/octet-stream",
                                        "just some text, not an image".getBytes(StandardCharsets.UTF_8))),
                400);
        assertTrue(text.get("error").get("message").asString().contains("not a supported image"), text.toString());

        byte[] jpeg = TestImages.jpeg(400, 300, seed);
        JsonNode mismatch = json(
                post(
                        "/api/1/upload",
                        new Multipart().field("key", userKey).file("source", "photo.png", "image/png", jpeg)),
                400);
        assertTrue(mismatch.get("error").get("message").asString().contains("sent as PNG"), mismatch.toString());

        byte[] truncated = java.util.Arrays.copyOf(jpeg, jpeg.length / 2);
        JsonNode damaged = json(
                post(
                        "/api/1/upload",
                        new Multipart().field("key", userKey).file("source", "cut.jpg", "image/jpeg", truncated)),
                400);
        assertTrue(
                damaged.get("error").get("message").asString().toLowerCase().contains("damaged"), damaged.toString());

        long started = System.nanoTime();
        JsonNode huge = json(
                post(
                        "/api/1/upload",
                        new Multipart()
                                .field("key", userKey)
                                .file("source", "bomb.png", "image/png", hugePng(50_000, 50_000))),
                400);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(huge.get("error").get("message").asString().contains("50000×50000"), huge.toString());
        assertTrue(millis < 10_000, "a decompression bomb must be refused from its header, took " + millis + " ms");

        assertEquals(rows, imageRows(), "no row");
        assertEquals(blobs, blobCount(), "no blob");
        assertNothingLeftBehind();
    }

    @Test
    void tooLargeUploadsAreRefused() throws Exception {
        RequestContext system = app.systemContext(app.defaultTenant());
        app.settings().update(system, "upload_max_filesize_mb", "1");
        try {
            byte[] big = new byte[1_200_000];
            new java.util.Random(seed).nextBytes(big);
            JsonNode body = json(
                    post(
                            "/api/1/upload",
                            new Multipart().field("key", userKey).file("source", "big.jpg", "image/jpeg", big)),
                    413);
            assertTrue(body.get("error").get("message").asString().contains("too large"), body.toString());
        } finally {
            app.settings().update(system, "upload_max_filesize_mb", "50");
        }
        assertNothingLeftBehind();
    }

    @Test
    void theSameFileTwiceFromTheSameAddressIsADuplicate() throws Exception {
        String png = Base64.getEncoder().encodeToString(TestImages.png(90, 90, seed));
        json(postForm("/api/1/upload", Map.of("key", userKey, "source", png)), 200);
        JsonNode again = json(postForm("/api/1/upload", Map.of("key", userKey, "source", png)), 400);
        assertEquals(101, again.get("error").get("code").asInt(), again.toString());
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------------

    @Test
    void deleteLinkAsksThenDeletesEverything() throws Exception {
        JsonNode image = json(
                        post(
                                "/api/1/upload",
                                new Multipart()
                                        .field("key", userKey)
                                        .file("source", "gone.jpg", "image/jpeg", TestImages.jpeg(900, 600, seed))),
                        200)
                .get("image");
        String deleteUrl = image.get("delete_url").asString();
        assertTrue(deleteUrl.matches(".*/image/[A-Za-z0-9]+/delete/[A-Za-z0-9]{40}"), deleteUrl);
        long blobs = blobCount();

        HttpResponse<String> confirm = get(path(deleteUrl), Map.of());
        assertEquals(200, confirm.statusCode(), "a GET only asks");
        assertEquals(200, getBytes(path(image.get("url").asString()), Map.of()).statusCode());
        Matcher csrf = CSRF_FIELD.matcher(confirm.body());
        assertTrue(csrf.find());
        String cookie = confirm.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("tsl_csrf="))
                .map(c -> c.substring(0, c.indexOf(';')))
                .findFirst()
                .orElseThrow();

        String wrongSecret = path(deleteUrl).replaceAll("/delete/.*", "/delete/" + "x".repeat(40));
        assertEquals(
                404,
                postFormWithCookie(wrongSecret, Map.of("csrf_token", csrf.group(1)), cookie)
                        .statusCode());
        assertEquals(403, postFormWithCookie(path(deleteUrl), Map.of(), cookie).statusCode(), "CSRF token required");
        HttpResponse<String> deleted = postFormWithCookie(path(deleteUrl), Map.of("csrf_token", csrf.group(1)), cookie);
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertTrue(deleted.body().contains("data-testid=\"deleted\""));

        assertEquals(404, getBytes(path(image.get("url").asString()), Map.of()).statusCode());
        assertEquals(
                404,
                getBytes(path(image.get("thumb").get("url").asString()), Map.of())
                        .statusCode());
        assertEquals(404, get(image.get("path_viewer").asString(), Map.of()).statusCode());
        assertEquals(blobs - 3, blobCount(), "main, thumb and medium removed");
    }

    @Test
    void expiringUploadsDisappearAndThePurgeRemovesTheirFiles() throws Exception {
        JsonNode image = json(
                        postForm(
                                "/api/1/upload",
                                Map.of(
                                        "key",
                                        userKey,
                                        "expiration",
                                        "PT5M",
                                        "source",
                                        Base64.getEncoder().encodeToString(TestImages.png(60, 60, seed)))),
                        200)
                .get("image");
        String expires = image.get("expiration_date_gmt").asString();
        assertNotNull(expires);
        Instant at = java.time.LocalDateTime.parse(expires.replace(' ', 'T')).toInstant(java.time.ZoneOffset.UTC);
        long minutes = Duration.between(Instant.now(), at).toMinutes();
        assertTrue(minutes >= 3 && minutes <= 5, "expires in ~5 minutes: " + expires);

        JsonNode bad = json(
                postForm(
                        "/api/1/upload",
                        Map.of(
                                "key",
                                userKey,
                                "expiration",
                                "soon",
                                "source",
                                Base64.getEncoder().encodeToString(TestImages.png(61, 61, seed)))),
                400);
        assertTrue(bad.get("error").get("message").asString().contains("ISO-8601"), bad.toString());

        // Move the expiry into the past, as time would.
        dsl().update(table(name("images")))
                .set(
                        org.jooq.impl.DSL.field(name("expires_at"), java.time.LocalDateTime.class),
                        java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).minusMinutes(1))
                .where(org.jooq
                        .impl
                        .DSL
                        .field(name("md5"), String.class)
                        .eq(image.get("md5").asString()))
                .execute();
        assertEquals(
                404, get(image.get("path_viewer").asString(), Map.of()).statusCode(), "expired = gone for visitors");
        long rows = imageRows();
        int purged = new StorageUpkeepJob(app.media(), Duration.ofHours(1)).purge(site.system());
        assertEquals(1, purged);
        assertEquals(rows - 1, imageRows());
        assertEquals(404, getBytes(path(image.get("url").asString()), Map.of()).statusCode());
    }

    @Test
    void directFilesAnswerConditionalRangeAndHeadRequests() throws Exception {
        JsonNode image = json(
                        postForm(
                                "/api/1/upload",
                                Map.of(
                                        "key",
                                        userKey,
                                        "source",
                                        Base64.getEncoder().encodeToString(TestImages.jpeg(640, 480, seed)))),
                        200)
                .get("image");
        String file = path(image.get("url").asString());
        HttpResponse<byte[]> full = getBytes(file, Map.of());
        String etag = full.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, getBytes(file, Map.of("If-None-Match", etag)).statusCode());
        assertEquals(
                304,
                getBytes(
                                file,
                                Map.of(
                                        "If-Modified-Since",
                                        full.headers()
                                                .firstValue("Last-Modified")
                                                .orElseThrow()))
                        .statusCode());

        HttpResponse<byte[]> range = getBytes(file, Map.of("Range", "bytes=10-19"));
        assertEquals(206, range.statusCode());
        assertEquals(
                "bytes 10-19/" + full.body().length,
                range.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(java.util.Arrays.copyOfRange(full.body(), 10, 20), range.body());
        HttpResponse<byte[]> suffix = getBytes(file, Map.of("Range", "bytes=-5"));
        assertArrayEquals(
                java.util.Arrays.copyOfRange(full.body(), full.body().length - 5, full.body().length), suffix.body());
        assertEquals(
                416,
                getBytes(file, Map.of("Range", "bytes=" + full.body().length + "-"))
                        .statusCode());

        HttpResponse<Void> head = http.send(
                HttpRequest.newBuilder(URI.create(base + file))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        assertEquals(
                Long.toString(full.body().length),
                head.headers().firstValue("Content-Length").orElseThrow());

        assertEquals(404, getBytes("/images/../db/tesela.mv.db", Map.of()).statusCode());
        assertEquals(404, getBytes("/images/2020/01/01/nothing.png", Map.of()).statusCode());
    }

    @Test
    void directFilesServedFromMemoryStillFollowTheDisk() throws Exception {
        JsonNode image = json(
                        postForm(
                                "/api/1/upload",
                                Map.of(
                                        "key",
                                        userKey,
                                        "source",
                                        Base64.getEncoder().encodeToString(TestImages.jpeg(320, 240, seed)))),
                        200)
                .get("image");
        String file = path(image.get("url").asString());
        Path onDisk = dataDir.resolve("files").resolve("default").resolve(file.substring("/images/".length()));
        byte[] stored = Files.readAllBytes(onDisk);

        HttpResponse<byte[]> first = getBytes(file, Map.of());
        HttpResponse<byte[]> second = getBytes(file, Map.of()); // from the cache
        assertArrayEquals(stored, first.body());
        assertArrayEquals(stored, second.body());
        assertEquals(first.headers().firstValue("ETag"), second.headers().firstValue("ETag"));
        assertEquals("image/jpeg", second.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(
                Long.toString(stored.length),
                second.headers().firstValue("Content-Length").orElseThrow());
        HttpResponse<byte[]> tail = getBytes(file, Map.of("Range", "bytes=" + (stored.length - 7) + "-"));
        assertEquals(206, tail.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(stored, stored.length - 7, stored.length), tail.body());

        // Changed behind Tesela's back (another process, an operator): the new bytes, with a new ETag.
        byte[] changed = java.util.Arrays.copyOf(stored, stored.length + 1);
        Files.write(onDisk, changed);
        Files.setLastModifiedTime(
                onDisk, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
        HttpResponse<byte[]> afterChange = getBytes(file, Map.of());
        assertArrayEquals(changed, afterChange.body());
        assertFalse(
                afterChange.headers().firstValue("ETag").equals(first.headers().firstValue("ETag")));

        // Deleted behind Tesela's back: gone at once, though it was cached.
        Files.delete(onDisk);
        assertEquals(404, getBytes(file, Map.of()).statusCode());
        HttpResponse<Void> head = http.send(
                HttpRequest.newBuilder(URI.create(base + file))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(404, head.statusCode());
    }

    @Test
    void directFilesLargerThanTheMemoryLimitAreStreamedWhole() throws Exception {
        JsonNode image = json(
                        postForm(
                                "/api/1/upload",
                                Map.of(
                                        "key",
                                        userKey,
                                        "source",
                                        Base64.getEncoder().encodeToString(TestImages.png(900, 700, seed)))),
                        200)
                .get("image");
        String file = path(image.get("url").asString());
        Path onDisk = dataDir.resolve("files").resolve("default").resolve(file.substring("/images/".length()));
        // Grow the stored file past the cache's per-file limit (a PNG reader stops at IEND; the bytes are what counts).
        byte[] big = java.util.Arrays.copyOf(Files.readAllBytes(onDisk), FileServer.MAX_CACHED_FILE_BYTES + 12345);
        Files.write(onDisk, big);
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> full = getBytes(file, Map.of());
            assertEquals(200, full.statusCode());
            assertArrayEquals(big, full.body());
        }
        HttpResponse<byte[]> range = getBytes(file, Map.of("Range", "bytes=1000000-1000009"));
        assertEquals(206, range.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(big, 1000000, 1000010), range.body());
    }

    @Test
    void photosAreTurnedUprightAndLoseTheirPositionButKeepTheirCameraData() throws Exception {
        byte[] photo = fixture("orientation6.jpg");
        JsonNode image = json(
                        post(
                                "/api/1/upload",
                                new Multipart().field("key", userKey).file("source", "phone.jpg", "image/jpeg", photo)),
                        200)
                .get("image");
        assertEquals(80, image.get("width").asInt(), "EXIF orientation 6 applied: 120×80 stored → 80×120 upright");
        assertEquals(120, image.get("height").asInt());
        byte[] served = getBytes(path(image.get("url").asString()), Map.of()).body();
        var metadata = com.drew.imaging.ImageMetadataReader.readMetadata(new java.io.ByteArrayInputStream(served));
        assertNull(
                metadata.getFirstDirectoryOfType(com.drew.metadata.exif.GpsDirectory.class),
                "no GPS in the served file");
        var ifd0 = metadata.getFirstDirectoryOfType(com.drew.metadata.exif.ExifIFD0Directory.class);
        assertTrue(
                ifd0 == null
                        || !ifd0.containsTag(com.drew.metadata.exif.ExifIFD0Directory.TAG_ORIENTATION)
                        || ifd0.getInt(com.drew.metadata.exif.ExifIFD0Directory.TAG_ORIENTATION) == 1,
                "no rotation left to apply");
        String exif = image.get("original_exifdata").asString();
        assertTrue(exif.contains("TeselaTest"), "camera data kept as data: " + exif);
        assertFalse(exif.toLowerCase(java.util.Locale.ROOT).contains("gps"), "but not the position: " + exif);
        HttpResponse<String> viewer = get(image.get("path_viewer").asString(), Map.of());
        assertTrue(
                viewer.body().contains("data-testid=\"exif\"") && viewer.body().contains("TeselaTest"));
    }

    @Test
    void animationsStayAnimatedAndFormatsBrowsersCannotShowAreConverted() throws Exception {
        if (!app.media().engineDescription().contains("libvips")) {
            // The pure-Java engine reads no animated WebP: a clear refusal that blames the server, not the file.
            HttpResponse<String> refused = post(
                    "/api/1/upload",
                    new Multipart()
                            .field("key", userKey)
                            .file("source", "loop.webp", "image/webp", fixture("animated.webp")));
            assertEquals(400, refused.statusCode(), refused.body());
            assertTrue(
                    refused.body().contains("Animated WebP images cannot be processed on this server"), refused.body());
        }
        requireLibvips();
        JsonNode webp = json(
                        post(
                                "/api/1/upload",
                                new Multipart()
                                        .field("key", userKey)
                                        .file("source", "loop.webp", "image/webp", fixture("animated.webp"))),
                        200)
                .get("image");
        assertEquals(1, webp.get("is_animated").asInt());
        assertEquals("image/webp", webp.get("mime").asString());
        assertFalse(webp.get("medium").get("url").isNull(), "animations always get a medium");
        byte[] medium = getBytes(path(webp.get("medium").get("url").asString()), Map.of())
                .body();
        assertTrue(dev.tesela.imaging.ImageProbe.sniff(medium).isPresent());

        JsonNode heic = json(
                        post(
                                "/api/1/upload",
                                new Multipart()
                                        .field("key", userKey)
                                        .file("source", "IMG_0001.HEIC", "image/heic", fixture("quadrants.heic"))),
                        200)
                .get("image");
        assertEquals("image/jpeg", heic.get("mime").asString(), "HEIC is stored as JPEG");
        assertTrue(heic.get("url").asString().endsWith(".jpeg"), heic.get("url").asString());
        assertEquals(
                "image/jpeg",
                getBytes(path(heic.get("url").asString()), Map.of())
                        .headers()
                        .firstValue("Content-Type")
                        .orElseThrow());
        JsonNode avif = json(
                        post(
                                "/api/1/upload",
                                new Multipart()
                                        .field("key", userKey)
                                        .file("source", "pic.avif", "image/avif", fixture("quadrants.avif"))),
                        200)
                .get("image");
        assertEquals("image/avif", avif.get("mime").asString(), "AVIF is kept");
        assertEquals("image/webp", avif.get("thumb").get("mime").asString(), "its variants are WebP");
    }

    private void requireLibvips() {
        boolean vips = app.media().engineDescription().contains("libvips");
        if (!vips && "1".equals(System.getenv("TESELA_TEST_REQUIRE_SERVICES"))) {
            throw new AssertionError("libvips is required here (TESELA_TEST_REQUIRE_SERVICES=1) but the engine is "
                    + app.media().engineDescription());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(vips, "AVIF/HEIC need libvips");
    }

    private static byte[] fixture(String name) throws IOException {
        try (var in = ApiV1Test.class.getResourceAsStream("/imaging/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    @Test
    void theOwnerDeletesFromTheViewerAndOthersCannot() throws Exception {
        // Alice signs in through the form and uploads through the web endpoint, with her CSRF token.
        HttpResponse<String> loginPage = get("/login", Map.of());
        String guestCookie = cookie(loginPage, "tsl_csrf");
        String loginCsrf = csrf(loginPage.body());
        HttpResponse<String> signedIn = postFormWithCookie(
                "/login",
                Map.of("login", "alice", "password", "alice's long password", "csrf_token", loginCsrf),
                guestCookie);
        assertEquals(303, signedIn.statusCode(), signedIn.body());
        String session = cookie(signedIn, "tsl_session");
        String token = csrf(get("/upload", Map.of("Cookie", session)).body());
        Multipart form = new Multipart().file("source", "mine.png", "image/png", TestImages.png(640, 200, seed));
        HttpResponse<String> uploaded = http.send(
                HttpRequest.newBuilder(URI.create(base + "/upload"))
                        .header("Content-Type", form.contentType())
                        .header("Cookie", session)
                        .header("X-CSRF-Token", token)
                        .POST(form.publisher())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode image = json(uploaded, 200).get("image");
        String id = image.get("id_encoded").asString();

        HttpResponse<String> asOwner = get(image.get("path_viewer").asString(), Map.of("Cookie", session));
        assertTrue(asOwner.body().contains("data-testid=\"owner-delete\""), "owner sees the delete button");
        HttpResponse<String> asGuest = get(image.get("path_viewer").asString(), Map.of());
        assertFalse(asGuest.body().contains("owner-delete"), "a guest does not");

        HttpResponse<String> guestLogin = get("/login", Map.of());
        String guestToken = csrf(guestLogin.body());
        String guestBinding = cookie(guestLogin, "tsl_csrf");
        assertEquals(
                403,
                postFormWithCookie("/image/" + id + "/delete", Map.of("csrf_token", guestToken), guestBinding)
                        .statusCode(),
                "a guest may not delete");
        assertEquals(200, getBytes(path(image.get("url").asString()), Map.of()).statusCode());

        String ownerToken = csrf(asOwner.body());
        HttpResponse<String> deleted =
                postFormWithCookie("/image/" + id + "/delete", Map.of("csrf_token", ownerToken), session);
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(404, getBytes(path(image.get("url").asString()), Map.of()).statusCode());
    }

    private static String csrf(String html) {
        Matcher m = CSRF_FIELD.matcher(html);
        assertTrue(m.find(), "page has a CSRF token");
        return m.group(1);
    }

    private static String cookie(HttpResponse<String> response, String name) {
        return response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(0, c.indexOf(';')))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " cookie: " + response.headers()));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private DSLContext dsl() {
        return site.dsl();
    }

    private long imageRows() {
        return dsl().fetchCount(table(name("images")));
    }

    private long blobCount() throws IOException {
        Path files = dataDir.resolve("files");
        if (!Files.exists(files)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(files)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    /** No upload temp file remains (the multipart spill directory is Jetty's and cleaned per request as well). */
    private void assertNothingLeftBehind() throws IOException {
        for (String dir : List.of("tmp/uploads", "tmp/multipart")) {
            Path tmp = dataDir.resolve(dir);
            if (Files.exists(tmp)) {
                try (Stream<Path> s = Files.list(tmp)) {
                    assertEquals(List.of(), s.toList(), "temp files left in " + dir);
                }
            }
        }
    }

    /** A PNG whose header claims width × height, with a tiny (invalid) body: what a decompression bomb looks like. */
    private static byte[] hugePng(int width, int height) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25 + 12 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        b.putInt(13)
                .put("IHDR".getBytes(StandardCharsets.US_ASCII))
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b.array(), 12, 17);
        b.putInt((int) crc.getValue());
        b.putInt(0).put("IDAT".getBytes(StandardCharsets.US_ASCII)).putInt(0);
        b.putInt(0).put("IEND".getBytes(StandardCharsets.US_ASCII)).putInt(0xAE426082);
        return b.array();
    }

    private String path(String url) {
        return URI.create(url).getRawPath();
    }

    private HttpResponse<String> post(String path, Multipart form) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", form.contentType())
                        .POST(form.publisher())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postForm(String path, Map<String, String> fields)
            throws IOException, InterruptedException {
        return postFormWithCookie(path, fields, null);
    }

    private HttpResponse<String> postFormWithCookie(String path, Map<String, String> fields, String cookie)
            throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&")
                .append(enc(k))
                .append('=')
                .append(enc(v)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> getBytes(String path, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<String> response, int expectedStatus) {
        assertEquals(expectedStatus, response.statusCode(), response.body());
        assertTrue(
                response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                response.headers().toString());
        return JSON.readTree(response.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
