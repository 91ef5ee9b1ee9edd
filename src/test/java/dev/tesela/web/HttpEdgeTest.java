package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.HostRequests;
import dev.tesela.testing.Multipart;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP edge against a real server: a body is never read before a key sent outside it is checked; bodies over
 * the cap are refused (413) unread when declared and cut off when chunked; a broken multipart body is a 400; large
 * bodies are read a bounded number at a time; links name the configured host whatever the Host header says; pages
 * carry the security headers (and stored files none that would stop other sites embedding them); a client that
 * dribbles its request head is disconnected. Raw sockets where the point is what the server does before the
 * client has finished sending. Every wait is bounded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpEdgeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SITE_HOST = "images.example.test";
    private static final long CAP = 8L * 1024 * 1024;
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AutoClose
    private TestSite site;

    private int port;
    private Path dataDir;
    private String key;

    @BeforeAll
    void start() throws Exception {
        site = TestSite.on(TestDatabase.Kind.H2)
                .env(Map.of(
                        "TESELA_HOSTNAME", SITE_HOST,
                        "TESELA_HTTPS", "1",
                        "TESELA_HTTP_MAX_REQUEST_MB", "8",
                        "TESELA_UPLOAD_MAX_MB", "4",
                        "TESELA_HTTP_BODY_READERS", "1",
                        "TESELA_HTTP_HEADER_TIMEOUT_SECONDS", "1"))
                .installed()
                .apiKey(TestSite.ADMIN, "edge")
                .serving()
                .start();
        dataDir = site.dataDir();
        key = site.key(TestSite.ADMIN);
        port = site.port();
        warmUp();
    }

    /**
     * Sends one upload of each body kind (url-encoded and chunked, multipart) before any test, so that no test depends
     * on another having warmed the server first. The first upload of a fresh server loads and compiles the whole
     * upload path; on a loaded machine that took over a second before the body was first read, and Jetty's minimum
     * data rate (TESELA_HTTP_MIN_BODY_RATE_BYTES), counted from the start of the request, then cut the body off as
     * too slow (a 400 where aChunkedBodyIsCutOffAtTheCap expects its 413, when it ran first).
     */
    private void warmUp() throws Exception {
        byte[] png = TestImages.png(20, 20, 1);
        String form = "source=" + HostRequests.enc(java.util.Base64.getEncoder().encodeToString(png));
        HttpResponse<String> encoded = http.send(
                post(
                        "/api/1/upload",
                        "application/x-www-form-urlencoded",
                        chunked(Stream.of(form.getBytes(StandardCharsets.US_ASCII)))),
                ofString());
        assertEquals(200, encoded.statusCode(), encoded.body());
        Multipart multipart = new Multipart().file("source", "warm.png", "image/png", TestImages.png(21, 20, 2));
        HttpResponse<String> parts =
                http.send(post("/api/1/upload", multipart.contentType(), multipart.publisher()), ofString());
        assertEquals(200, parts.statusCode(), parts.body());
    }

    @Test
    void aWrongKeyOutsideTheBodyIsRefusedBeforeTheBodyIsRead() throws Exception {
        // 6 MB declared (under the 8 MB cap), 64 KB sent: a server that read the body first would wait for the
        // rest and never answer.
        for (String target : List.of("/api/1/upload?format=json", "/api/1/upload?key=wrong-key")) {
            String head = "POST " + target + " HTTP/1.1\r\nHost: " + SITE_HOST + "\r\n"
                    + (target.contains("key=") ? "" : "X-API-Key: wrong-key\r\n")
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + 6 * 1024 * 1024
                    + "\r\n\r\n";
            Raw answer = exchange(head, ("source=" + "A".repeat(64 * 1024)).getBytes(StandardCharsets.US_ASCII));
            assertEquals(400, answer.status(), answer.toString());
            JsonNode body = JSON.readTree(answer.body());
            assertEquals("Invalid API key.", body.get("error").get("message").asString(), answer.body());
            assertEquals(100, body.get("error").get("code").asInt(), "API v1 code of an invalid key");
        }
        assertNothingLeftBehind();
    }

    @Test
    void aDeclaredBodyOverTheCapIsRefusedUnread() throws Exception {
        // Url-encoded bodies may be 8 MB (TESELA_HTTP_MAX_REQUEST_MB), multipart ones 5 MB (TESELA_UPLOAD_MAX_MB + 1
        // MB).
        long multipartCap = 5L * 1024 * 1024;
        for (String[] target : new String[][] {
            {"/api/1/upload", "application/x-www-form-urlencoded", String.valueOf(CAP + 1)},
            {"/api/1/upload", "multipart/form-data; boundary=xyz", String.valueOf(multipartCap + 1)},
            {"/upload", "multipart/form-data; boundary=xyz", String.valueOf(multipartCap + 1)},
            {"/login", "application/x-www-form-urlencoded", String.valueOf(CAP + 1)}
        }) {
            String path = target[0];
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + SITE_HOST + "\r\nX-API-Key: " + key + "\r\n"
                    + "Content-Type: " + target[1] + "\r\nContent-Length: " + target[2] + "\r\n\r\n";
            Raw answer = exchange(head, new byte[0]);
            assertEquals(413, answer.status(), path + ": " + answer);
            assertTrue(answer.body().contains("too large"), answer.body());
            assertEquals("close", answer.headers().get("connection"), "the unread body ends the connection: " + answer);
            if (path.startsWith("/api/1/")) {
                JsonNode body = JSON.readTree(answer.body());
                assertEquals(413, body.get("status_code").asInt(), "the API v1 envelope");
                assertEquals("Payload Too Large", body.get("status_txt").asString(), answer.body());
            }
        }
        assertNothingLeftBehind();
    }

    @Test
    void aChunkedBodyIsCutOffAtTheCap() throws Exception {
        // Url-encoded base64 with a valid header key: read (to disk) until it passes the 8 MB cap.
        HttpResponse<String> form = http.send(
                post(
                        "/api/1/upload",
                        "application/x-www-form-urlencoded",
                        chunked(Stream.concat(
                                Stream.of("source=".getBytes(StandardCharsets.US_ASCII)),
                                Stream.generate(() -> "QUJD".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII))
                                        .limit(140)))),
                ofString());
        assertEquals(413, form.statusCode(), form.body());
        assertEquals(
                "Payload Too Large",
                JSON.readTree(form.body()).get("status_txt").asString(),
                form.body());

        // Multipart, to the API and to the page's endpoint: Jetty's parser stops at its total limit (upload cap + 1
        // MB).
        byte[] big = new byte[6 * 1024 * 1024];
        for (String path : List.of("/api/1/upload", "/upload")) {
            Multipart multipart = new Multipart().file("source", "big.jpg", "image/jpeg", big);
            byte[] bytes = readAll(multipart.publisher());
            HttpResponse<String> response = http.send(
                    post(
                            path,
                            multipart.contentType(),
                            chunked(Stream.iterate(0, i -> i < bytes.length, i -> i + 256 * 1024)
                                    .map(i -> java.util.Arrays.copyOfRange(
                                            bytes, i, Math.min(bytes.length, i + 256 * 1024))))),
                    ofString());
            assertEquals(413, response.statusCode(), path + ": " + response.body());
            assertTrue(response.body().contains("too large"), response.body());
        }
        assertNothingLeftBehind();
    }

    @Test
    void aMalformedMultipartBodyIsA400() throws Exception {
        byte[] garbage =
                "--xyz\r\nContent-Disposition: form-data; name=\"source\"; filename=\"a.jpg\"\r\n\r\nno closing boundary"
                        .getBytes(StandardCharsets.US_ASCII);
        for (String path : List.of("/api/1/upload", "/upload")) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("X-API-Key", key)
                            .header("Content-Type", "multipart/form-data; boundary=xyz")
                            .header("Accept", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(garbage))
                            .build(),
                    ofString());
            assertEquals(400, response.statusCode(), path + ": " + response.body());
            assertTrue(response.body().contains("multipart body is malformed"), response.body());
        }
        assertNothingLeftBehind();
    }

    @Test
    void largeBodiesBeyondTheReaderSlotsAreAnswered503AtOnce() throws Exception {
        // One slot (TESELA_HTTP_BODY_READERS=1): a slow large body holds it; the next large one is turned away.
        String head = "POST /api/1/upload HTTP/1.1\r\nHost: " + SITE_HOST + "\r\nX-API-Key: " + key + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + 4 * 1024 * 1024 + "\r\n\r\n";
        try (Socket holder = new Socket()) {
            holder.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = holder.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(("source=" + "QUJD".repeat(8 * 1024)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitSpilledText(); // the server is reading the holder's body: the slot is taken
            long started = System.nanoTime();
            Raw second = exchange(head, new byte[0]);
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(503, second.status(), second.toString());
            assertEquals("5", second.headers().get("retry-after"), second.toString());
            assertEquals(503, JSON.readTree(second.body()).get("status_code").asInt(), second.body());
            assertTrue(millis < 3000, "the refusal took " + millis + " ms");
        }
        // The holder went away: its spilled text is deleted and its slot free again (a whole body is read now).
        assertNothingLeftBehind();
        String whole = "source=" + "QUJD".repeat(512 * 1024);
        String complete = "POST /api/1/upload HTTP/1.1\r\nHost: " + SITE_HOST + "\r\nX-API-Key: " + key + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + whole.length() + "\r\n\r\n";
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Raw after;
        do {
            after = exchange(complete, whole.getBytes(StandardCharsets.US_ASCII));
        } while (after.status() == 503 && System.nanoTime() < deadline && sleep(50));
        assertEquals(400, after.status(), after.toString());
        assertTrue(
                after.body().contains("not a supported image"),
                "the 1.5 MB base64 text was read and decoded: " + after.body());
        assertNothingLeftBehind();
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    @Test
    void linksNameTheConfiguredHostWhateverTheHostHeaderSays() throws Exception {
        Multipart form = new Multipart().file("source", "a.png", "image/png", TestImages.png(40, 30, 3));
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/1/upload"))
                        .header("Host", "evil.example")
                        .header("X-API-Key", key)
                        .header("Content-Type", form.contentType())
                        .POST(form.publisher())
                        .build(),
                ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode image = JSON.readTree(response.body()).get("image");
        for (String field : List.of("url", "url_viewer", "url_short", "delete_url")) {
            assertTrue(
                    image.get(field).asString().startsWith("https://" + SITE_HOST + "/"),
                    field + ": " + image.get(field));
        }
        String viewer = HostRequests.send(
                        http,
                        port,
                        "evil.example",
                        "GET",
                        image.get("path_viewer").asString(),
                        null,
                        new HashMap<>(),
                        Map.of())
                .body();
        assertTrue(viewer.contains("[img]https://" + SITE_HOST + "/images/"), "embed codes name the configured host");
        assertFalse(viewer.contains("evil.example"), "no link to the Host header's host");
    }

    @Test
    void pagesCarryTheSecurityHeadersAndStoredFilesStayEmbeddable() throws Exception {
        HttpResponse<String> home = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .build(),
                ofString());
        assertEquals(200, home.statusCode());
        String csp = home.headers().firstValue("Content-Security-Policy").orElse("");
        for (String directive : List.of(
                "script-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
                "style-src 'self'")) {
            assertTrue(csp.contains(directive), "CSP has " + directive + ": " + csp);
        }
        assertFalse(csp.contains("unsafe-inline"), csp);
        assertEquals("DENY", home.headers().firstValue("X-Frame-Options").orElse(null));
        String permissions = home.headers().firstValue("Permissions-Policy").orElse("");
        assertTrue(
                permissions.contains("camera=()")
                        && permissions.contains("microphone=()")
                        && permissions.contains("geolocation=()"),
                permissions);
        // TESELA_HTTPS=1 here (ApiV1Test checks that a plain-HTTP site sends none).
        assertEquals(
                "max-age=31536000; includeSubDomains",
                home.headers().firstValue("Strict-Transport-Security").orElse(null));

        Multipart form = new Multipart().file("source", "b.png", "image/png", TestImages.png(30, 20, 4));
        JsonNode image = JSON.readTree(
                        http.send(post("/api/1/upload", form.contentType(), form.publisher()), ofString())
                                .body())
                .get("image");
        HttpResponse<byte[]> file = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + URI.create(image.get("url").asString()).getRawPath()))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode());
        assertEquals(
                "nosniff", file.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertTrue(file.headers().firstValue("Strict-Transport-Security").isPresent(), "HSTS on files too");
        for (String header : List.of(
                "X-Frame-Options",
                "Content-Security-Policy",
                "Cross-Origin-Resource-Policy",
                "Cross-Origin-Embedder-Policy")) {
            assertTrue(file.headers().firstValue(header).isEmpty(), "a stored file has no " + header);
        }
    }

    @Test
    void templatesHaveNoInlineScriptOrEventHandler() throws IOException {
        try (Stream<Path> templates = Files.list(Path.of("src", "main", "jte"))) {
            for (Path template : templates.toList()) {
                String text = Files.readString(template);
                assertFalse(
                        java.util.regex.Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>")
                                .matcher(text)
                                .find(),
                        template + " has an inline script");
                assertFalse(
                        java.util.regex.Pattern.compile("\\son[a-z]+\\s*=", java.util.regex.Pattern.CASE_INSENSITIVE)
                                .matcher(text)
                                .find(),
                        template + " has an inline event handler");
                assertFalse(text.contains("javascript:"), template + " has a javascript: URL");
                assertFalse(
                        java.util.regex.Pattern.compile("\\sstyle\\s*=|<style")
                                .matcher(text)
                                .find(),
                        template + " has inline style");
            }
        }
    }

    @Test
    void aClientDribblingItsRequestHeadIsDisconnected() throws Exception {
        try (Socket slow = new Socket()) {
            slow.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            slow.setSoTimeout(200);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            out.write(("GET /healthz HTTP/1.1\r\nHost: " + SITE_HOST + "\r\nX-Slow: ")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            boolean closed = false;
            // A byte every 200 ms keeps an idle timeout from ever firing; the 1 s head deadline must. Bounded: 6 s.
            while (!closed
                    && System.nanoTime() - started < Duration.ofSeconds(6).toNanos()) {
                try {
                    out.write('a');
                    out.flush();
                    closed = in.read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing to read yet: the connection is open
                } catch (IOException reset) {
                    closed = true;
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(closed, "the connection was still open after " + millis + " ms");
            assertTrue(millis < 3000, "closed only after " + millis + " ms (limit 1 s)");
        }
        // The server still answers everybody else.
        assertEquals(
                200,
                http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                                        .build(),
                                ofString())
                        .statusCode());
    }

    @Test
    void aBodyTricklingBelowTheMinimumRateIsCutOff() throws Exception {
        String head = "POST /api/1/upload HTTP/1.1\r\nHost: " + SITE_HOST + "\r\nX-API-Key: " + key + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nsource=";
        try (Socket slow = new Socket()) {
            slow.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            slow.setSoTimeout(100);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            boolean ended = false;
            // 10 bytes a second, far below the default minimum of 1024: cut off after Jetty's first second. Bounded: 6
            // s.
            while (!ended && System.nanoTime() - started < Duration.ofSeconds(6).toNanos()) {
                try {
                    out.write('A');
                    out.flush();
                    int b = in.read();
                    ended = b < 0;
                    if (b >= 0) {
                        answer.write(b);
                        answer.write(in.readNBytes(in.available()));
                    }
                } catch (SocketTimeoutException nothingYet) {
                    // keep trickling
                } catch (IOException reset) {
                    ended = true;
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(ended || answer.size() > 0, "still reading a 10 B/s body after " + millis + " ms");
            assertTrue(millis < 4000, "cut off only after " + millis + " ms");
            String text = answer.toString(StandardCharsets.UTF_8);
            assertFalse(text.startsWith("HTTP/1.1 5"), "no server error: " + text);
        }
        assertNothingLeftBehind();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** What a raw exchange got back: status, lower-cased header names, body (as far as it came). */
    private record Raw(int status, Map<String, String> headers, String body) {}

    /**
     * Writes {@code head} and {@code bodyPart} on a new connection (the body may be declared longer: the rest is
     * never sent), then reads the response within {@link #ANSWER_WITHIN}; fails when none comes.
     */
    private Raw exchange(String head, byte[] bodyPart) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout((int) ANSWER_WITHIN.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(bodyPart);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            long deadline = System.nanoTime() + ANSWER_WITHIN.toNanos();
            while (System.nanoTime() < deadline) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException e) {
                    break;
                } catch (IOException reset) {
                    break; // the server closed after answering
                }
                if (n < 0) {
                    break;
                }
                received.write(buffer, 0, n);
                if (complete(received.toString(StandardCharsets.ISO_8859_1))) {
                    break;
                }
            }
            String text = received.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            assertTrue(split > 0, "no response within " + ANSWER_WITHIN.toSeconds() + " s, got: " + text);
            String[] lines = text.substring(0, split).split("\r\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            return new Raw(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(split + 4));
        }
    }

    /** True once the head and a Content-Length body have arrived. */
    private static boolean complete(String text) {
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            return false;
        }
        var m = java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *(\\d+)")
                .matcher(text.substring(0, split));
        return m.find() && text.length() - split - 4 >= Integer.parseInt(m.group(1));
    }

    private HttpRequest post(String path, String contentType, HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .header("X-API-Key", key)
                .header("Content-Type", contentType)
                .header("Accept", "application/json")
                .POST(body)
                .build();
    }

    /** A body without Content-Length (the client sends it chunked). */
    private static HttpRequest.BodyPublisher chunked(Stream<byte[]> pieces) {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(pieces::iterator));
    }

    private static byte[] readAll(HttpRequest.BodyPublisher publisher) throws Exception {
        var collected = new java.util.concurrent.CompletableFuture<byte[]>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        publisher.subscribe(new java.util.concurrent.Flow.Subscriber<>() {
            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(java.nio.ByteBuffer item) {
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                out.writeBytes(bytes);
            }

            @Override
            public void onError(Throwable t) {
                collected.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                collected.complete(out.toByteArray());
            }
        });
        return collected.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static HttpResponse.BodyHandler<String> ofString() {
        return HttpResponse.BodyHandlers.ofString();
    }

    /** Waits (bounded) until a spilled form field appears in the temp dir. */
    private void awaitSpilledText() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (uploadTempFiles().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the server did not start reading the body within 5 s");
            Thread.sleep(20);
        }
    }

    private List<Path> uploadTempFiles() throws IOException {
        List<Path> files = new java.util.ArrayList<>();
        for (Path dir : List.of(dataDir.resolve("tmp"))) {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.filter(Files::isRegularFile).forEach(files::add);
                }
            }
        }
        return files;
    }

    /** No temp file of a request is left (bounded wait: cleanup runs when the response is done). */
    private void assertNothingLeftBehind() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!uploadTempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), uploadTempFiles(), "temp files left behind");
    }
}
