package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.ServeProcess;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

/**
 * Request bodies larger than the server's heap: a real {@code serve} process with a 64 MB heap takes three 40 MB
 * url-encoded bodies at once whose (wrong) key comes after the source field, and then a 24 MB upload sent as base64
 * text (32 MB) in a url-encoded field. Each is answered with its 4xx, the process lives, and no temp file is left. (Held in
 * memory, as the form parser of the servlet API does, any one of these bodies is an OutOfMemoryError.)
 */
class SmallHeapBodiesTest {
    private static final Path LOGS = Path.of("target", "small-heap").toAbsolutePath();
    private static final List<String> SERVE_JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MB = 1024 * 1024;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void bodiesLargerThanTheHeapAreStreamedToDiskAndRefusedCleanly() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2)
                .env(Map.of(
                        "TESELA_HTTP_MAX_REQUEST_MB",
                        "64",
                        "TESELA_UPLOAD_MAX_MB",
                        "48",
                        "TESELA_IMAGE_WORKERS",
                        "1",
                        "TESELA_EXPIRED_PURGE_SECONDS",
                        "0"))
                .installed()
                .apiKey(TestSite.ADMIN, "small-heap")
                .start()) {
            site.closeApp(); // the site is served by the process below
            Map<String, String> env = site.env();
            String key = site.key(TestSite.ADMIN);
            ServeProcess serve = ServeProcess.start("serve", env, LOGS, SERVE_JVM);
            try {
                serve.awaitReady(http);
                String base = "http://127.0.0.1:" + serve.port;

                // Three 40 MB bodies at once, the key last: each is read to disk, then the key is refused.
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    answers.add(http.sendAsync(
                            form(base, null, body("source=", 40 * MB, "&key=wrong-key")),
                            HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> response = answer.get(60, TimeUnit.SECONDS);
                    assertEquals(400, response.statusCode(), response.body());
                    assertEquals(
                            "Invalid API key.",
                            JSON.readTree(response.body())
                                    .get("error")
                                    .get("message")
                                    .asString());
                }

                // 24 MB sent as 32 MB of base64 in a form field: decoded while it streams into the upload's temp file.
                HttpResponse<String> base64 =
                        http.send(form(base, key, body("source=", 32 * MB, "")), HttpResponse.BodyHandlers.ofString());
                assertEquals(400, base64.statusCode(), base64.body());
                assertTrue(
                        base64.body().contains("not a supported image"),
                        "decoded whole, then sniffed: " + base64.body());

                assertTrue(serve.isAlive(), "the process survived:\n" + serve.tail());
                assertEquals(
                        200,
                        http.send(
                                        HttpRequest.newBuilder(URI.create(base + "/healthz"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode());
                assertFalse(Files.readString(serve.log()).contains("OutOfMemoryError"), serve.tail());
                assertNoTempFiles(site.dataDir().resolve("tmp"));
            } finally {
                serve.stop();
            }
        }
    }

    /** A url-encoded POST of {@code body}, with {@code key} as X-API-Key header when not null. */
    private static HttpRequest form(String base, String key, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(body);
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return request.build();
    }

    /**
     * {@code prefix}, then {@code fill} bytes of base64 text ("QUJD", which decodes to "ABC"), then {@code suffix},
     * generated as it is sent (the test holds none of it) and with its Content-Length declared.
     */
    private static HttpRequest.BodyPublisher body(String prefix, long fill, String suffix) {
        byte[] chunk = "QUJD".repeat(MB / 4).getBytes(StandardCharsets.US_ASCII);
        long fullChunks = fill / chunk.length;
        int rest = (int) (fill % chunk.length);
        Stream<byte[]> pieces = Stream.concat(
                Stream.concat(
                        Stream.of(prefix.getBytes(StandardCharsets.US_ASCII)),
                        Stream.concat(
                                Stream.generate(() -> chunk).limit(fullChunks),
                                Stream.of(java.util.Arrays.copyOf(chunk, rest)))),
                Stream.of(suffix.getBytes(StandardCharsets.US_ASCII)));
        long length = prefix.length() + fill + suffix.length();
        return HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofByteArrays(pieces::iterator), length);
    }

    /** Bounded wait: the temp files of a request are deleted as it ends. */
    private static void assertNoTempFiles(Path tmp) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<Path> left;
        do {
            try (Stream<Path> walk = Files.exists(tmp) ? Files.walk(tmp) : Stream.empty()) {
                left = walk.filter(Files::isRegularFile).toList();
            }
        } while (!left.isEmpty() && System.nanoTime() < deadline && sleep());
        assertEquals(List.of(), left, "temp files left behind");
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }
}
