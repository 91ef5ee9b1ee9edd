package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.web.WebServer;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Stored files have two paths through the server: the direct path (a Jetty core handler ahead of Javalin) answers
 * the common GET and HEAD, the full path (the Javalin route) everything else. A percent-escape in the path sends a
 * request to the full path, so each request here is made both ways and the answers must be the same: status, body
 * and every header except Date and X-Request-Id. The direct path's own counter shows that it did answer the plain
 * requests and left the escaped ones alone, so the comparison cannot pass by both going the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DirectFileAnswersTest {
    private static final Pattern FILE_URL = Pattern.compile("\"url\":\"([^\"]+)\"");
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private TestDatabase db;
    private App app;
    private WebServer server;
    private String base;
    private String key;
    /** Each upload a different picture (the same file twice from one address would be a duplicate). */
    private int seed;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.H2);
        app = App.wire(TestApps.config(TestApps.env(db, Map.of())));
        app.migrate();
        RequestContext system = app.systemContext(app.defaultTenant());
        app.installs().install(system, new InstallCommand("admin", "admin@example.com", "correct horse battery"));
        key = app.accounts().createApiKey(system, "admin", "tests");
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
    void theDirectPathAnswersLikeTheFullPath() throws Exception {
        String direct = upload();
        // The first character of the file name escaped: the same key for the route, but not for the direct path.
        int name = direct.lastIndexOf('/') + 1;
        String full = direct.substring(0, name)
                + String.format("%%%02X", (int) direct.charAt(name))
                + direct.substring(name + 1);
        HttpResponse<byte[]> plain = send("GET", direct, Map.of());
        assertEquals(200, plain.statusCode());
        String etag = plain.headers().firstValue("ETag").orElseThrow();
        String lastModified = plain.headers().firstValue("Last-Modified").orElseThrow();
        int size = plain.body().length;

        List<Map<String, String>> answeredDirectly = List.of(
                Map.of(),
                Map.of("Range", "bytes=10-19"),
                Map.of("Range", "bytes=-5"),
                Map.of("Range", "bytes=7-"),
                Map.of("Range", "bytes=abc"),
                Map.of("If-None-Match", etag),
                Map.of("If-None-Match", "\"other\", W/" + etag),
                Map.of("If-None-Match", "\"other\""),
                Map.of("If-Modified-Since", lastModified),
                Map.of("If-Range", "\"other\"", "Range", "bytes=0-9"),
                Map.of("If-Range", etag, "Range", "bytes=0-9"));
        long before = server.directFileAnswers();
        int expectedDirect = 0;
        for (String method : List.of("GET", "HEAD")) {
            for (Map<String, String> headers : answeredDirectly) {
                assertSameAnswer(method, direct, full, headers);
                expectedDirect++;
            }
        }
        // Left to the full path even without an escape: an unsatisfiable range (416).
        assertSameAnswer("GET", direct, full, Map.of("Range", "bytes=" + size + "-"));
        assertEquals(
                before + expectedDirect,
                server.directFileAnswers(),
                "the direct path answered every plain request and none of the escaped ones or the 416");

        // What the before-handlers do on the full path, the direct path does too.
        HttpResponse<byte[]> named = send("GET", direct, Map.of("X-Request-Id", "caller-chosen-id-1"));
        assertEquals(
                "caller-chosen-id-1", named.headers().firstValue("X-Request-Id").orElseThrow());
        assertTrue(send("GET", direct, Map.of())
                .headers()
                .firstValue("X-Request-Id")
                .orElseThrow()
                .matches("[A-Za-z0-9]{16}"));
        String metrics = new String(send("GET", "/metrics", Map.of()).body(), StandardCharsets.UTF_8);
        assertTrue(
                metrics.contains("tesela_http_requests_total{method=\"HEAD\",route=\"/images/<key>\",status=\"206\"}"),
                metrics);
        assertTrue(
                metrics.contains("tesela_http_requests_total{method=\"GET\",route=\"/images/<key>\",status=\"304\"}"),
                metrics);
    }

    @Test
    void requestsTheDirectPathDoesNotTakeGetTheFullPathsAnswer() throws Exception {
        String direct = upload();
        long before = server.directFileAnswers();
        assertEquals(
                404, send("GET", "/images/2020/01/01/nothing.jpg", Map.of()).statusCode());
        assertEquals(404, send("GET", "/images/a/.hidden.jpg", Map.of()).statusCode());
        assertEquals(404, send("GET", "/images/../db/tesela.mv.db", Map.of()).statusCode());
        HttpResponse<byte[]> post = send("POST", direct, Map.of());
        assertEquals(404, post.statusCode()); // no such route: the full path's error page
        assertTrue(post.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertEquals(before, server.directFileAnswers());
    }

    private void assertSameAnswer(String method, String direct, String full, Map<String, String> headers)
            throws Exception {
        HttpResponse<byte[]> a = send(method, direct, headers);
        HttpResponse<byte[]> b = send(method, full, headers);
        String what = method + " " + headers;
        assertEquals(b.statusCode(), a.statusCode(), what);
        assertArrayEquals(b.body(), a.body(), what);
        assertEquals(comparable(b), comparable(a), what);
    }

    private static Map<String, List<String>> comparable(HttpResponse<?> response) {
        Map<String, List<String>> headers = new TreeMap<>(response.headers().map());
        headers.remove("date");
        headers.remove("x-request-id");
        return headers;
    }

    private HttpResponse<byte[]> send(String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Uploads a new JPEG through API v1; returns the path of its direct file URL. */
    private String upload() throws Exception {
        String body = "key=" + enc(key) + "&format=json&source="
                + enc(Base64.getEncoder().encodeToString(TestImages.jpeg(400, 300, ++seed)));
        HttpResponse<String> res = http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        Matcher m = FILE_URL.matcher(res.body().replace("\\/", "/"));
        assertTrue(m.find(), res.body());
        return URI.create(m.group(1)).getRawPath();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
