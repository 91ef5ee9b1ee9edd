package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.security.Crypto;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.Multipart;
import dev.tesela.testing.PrivateRedis;
import dev.tesela.testing.S3Server;
import dev.tesela.testing.ServeProcess;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The production shape of issue 11: two {@code serve} processes (separate JVMs, data dirs of their own) sharing one
 * database, one Redis and one S3 bucket, as behind a load balancer. An image uploaded through API v1 to instance A
 * is served by instance B from its direct link (and its viewer page), byte for byte, and neither instance keeps any
 * of the site's files on its own disk. The storage is added with the CLI, its secret read from the environment.
 * Logs are left in {@code target/stateless-instances/}.
 */
class StatelessInstancesTest {
    private static final Path LOGS = Path.of("target", "stateless-instances").toAbsolutePath();
    private static final List<String> SERVE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    @Timeout(180)
    void anyInstanceServesTheFilesAnotherReceived() throws Exception {
        Files.createDirectories(LOGS);
        S3Server s3 = S3Server.shared();
        String bucket = "stateless-" + Crypto.randomBase62(8).toLowerCase(java.util.Locale.ROOT);
        s3.createBucket(bucket);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
                PrivateRedis redis = PrivateRedis.startOrShared(LOGS.resolve("redis.log"))) {
            Map<String, String> shared = new HashMap<>();
            shared.put("TESELA_REDIS_URL", redis.url());
            shared.put("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(Crypto.randomBytes(32)));
            shared.put("S3_TEST_SECRET", S3Server.SECRET_KEY);
            shared.put("TESELA_ENABLE_LOCAL_STORAGE", "0"); // the instances may keep no files
            Map<String, String> setup = TestApps.env(db, shared);
            run(setup, "install", "-u", "admin", "-e", "admin@example.com", "-x", "a long password");
            run(
                    setup,
                    "storage-add",
                    "--api",
                    "s3",
                    "--name",
                    "Shared bucket",
                    "--bucket",
                    bucket,
                    "--endpoint",
                    s3.endpoint().toString(),
                    "--region",
                    S3Server.REGION,
                    "--path-style",
                    "--key",
                    S3Server.ACCESS_KEY,
                    "--secret-env",
                    "S3_TEST_SECRET");
            String apiKey =
                    run(setup, "api-key-create", "-u", "admin").lastLine().trim();

            Map<String, String> envA = TestApps.env(db, shared);
            Map<String, String> envB = TestApps.env(db, shared);
            ServeProcess a = ServeProcess.start("a", envA, LOGS, SERVE_JVM);
            ServeProcess b = ServeProcess.start("b", envB, LOGS, SERVE_JVM);
            try {
                a.awaitReady(http);
                b.awaitReady(http);
                byte[] photo = TestImages.jpeg(900, 600, 7);
                Multipart form = new Multipart().field("key", apiKey).file("source", "photo.jpg", "image/jpeg", photo);
                HttpResponse<String> upload = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port + "/api/1/upload"))
                                .header("Content-Type", form.contentType())
                                .POST(form.publisher())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, upload.statusCode(), upload.body());
                JsonNode image =
                        JsonMapper.builder().build().readTree(upload.body()).path("image");
                String path = URI.create(image.path("url").asText()).getPath();
                String thumbPath =
                        URI.create(image.path("thumb").path("url").asText()).getPath();
                assertTrue(path.startsWith("/images/"), path);
                assertTrue(
                        s3.objectKeys(bucket).contains(path.substring("/images/".length())),
                        "the original is in the bucket: " + s3.objectKeys(bucket));

                byte[] fromA = get(a, path);
                byte[] fromB = get(b, path);
                assertEquals(image.path("size").asLong(), fromB.length);
                assertArrayEquals(fromA, fromB, "both instances serve the same bytes");
                assertArrayEquals(get(a, thumbPath), get(b, thumbPath));
                String viewer = URI.create(image.path("url_viewer").asText()).getPath();
                assertEquals(200, status(b, viewer), "B shows the viewer page of an image A received");
                assertEquals(404, status(b, path + "x"), "an unknown key is still a 404");

                for (Map<String, String> env : List.of(envA, envB)) {
                    Path files = TestApps.dataDir(env).resolve("files");
                    assertEquals(List.of(), regularFiles(files), "no file of the site on an instance's disk");
                }
            } finally {
                a.stop();
                b.stop();
            }
        }
    }

    private static CliRun run(Map<String, String> env, String... args) {
        CliRun run = CliRun.run(env, args);
        assertEquals(0, run.exitCode(), run::toString);
        return run;
    }

    private byte[] get(ServeProcess instance, String path) throws Exception {
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), path + " on " + instance.port);
        return response.body();
    }

    private int status(ServeProcess instance, String path) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port + path))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static List<Path> regularFiles(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
