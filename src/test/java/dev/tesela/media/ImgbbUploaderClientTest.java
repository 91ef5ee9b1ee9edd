package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.Services;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestFiles;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * API v1 as a real third-party client uses it: the npm package imgbb-uploader (pinned in
 * {@code src/test/node/imgbb-uploader/package.json}) in its Chevereto mode, run by {@code upload.mjs} under Node
 * against the real app (H2) with a user's API key. The package posts {@code key} and {@code source} (base64)
 * urlencoded to {@code <cheveretoHost>/api/1/upload} and resolves with the whole JSON body, or rejects when the body
 * has an {@code error}. Installs the package with {@code npm ci --ignore-scripts} when it is missing. Skipped when
 * Node or npm is not installed, unless {@code TESELA_TEST_REQUIRE_SERVICES=1}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImgbbUploaderClientTest {
    private static final Path CLIENT = Path.of("src", "test", "node", "imgbb-uploader");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long RUN_TIMEOUT_SECONDS = 60;
    private static final long INSTALL_TIMEOUT_SECONDS = 300;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @AutoClose
    private TestSite site;

    private String base;
    private String userKey;
    private Path work;

    @BeforeAll
    void start() throws Exception {
        requireTool("node");
        requireTool("npm");
        installClient();
        work = Files.createTempDirectory("tesela-imgbb-uploader-");
        site = TestSite.on(TestDatabase.Kind.H2)
                .reachable()
                .installed()
                .user("alice")
                .apiKey("alice", "imgbb-uploader")
                .serving()
                .start();
        userKey = site.key("alice");
        base = site.base();
    }

    @AfterAll
    void stop() throws IOException {
        if (work != null) {
            TestFiles.deleteTree(work);
        }
    }

    @Test
    void uploadsByImagePathAndByBase64StringWithAUserKey() throws Exception {
        Path first = work.resolve("by-path.jpg");
        Path second = work.resolve("by-base64.jpg");
        Files.write(first, TestImages.jpeg(1200, 800, 41));
        Files.write(second, TestImages.jpeg(300, 200, 42));

        Run run = node(base, userKey, first.toString(), second.toString());
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode out = JSON.readTree(run.stdout());
        checkUpload(out.get("imagePath"), "imgbb-uploader imagePath", 1200, 800, run);
        checkUpload(out.get("base64string"), "imgbb-uploader base64string", 300, 200, run);
        assertFalse(
                out.get("imagePath")
                        .get("image")
                        .get("id_encoded")
                        .asString()
                        .equals(out.get("base64string")
                                .get("image")
                                .get("id_encoded")
                                .asString()),
                "two images");
    }

    @Test
    void aWrongKeyMakesTheClientRejectWithTheApiMessage() throws Exception {
        Path image = work.resolve("wrong-key.jpg");
        Files.write(image, TestImages.jpeg(200, 100, 43));
        Run run = node(base, "tsk_this-key-does-not-exist", image.toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertEquals("", run.stdout().strip(), run.toString());
        // The package rejects with an Error whose message is JSON: {"message": "<host> API returned an error",
        // "cheveretoResponse": <the body>}.
        String stderr = run.stderr();
        assertTrue(stderr.contains(base + " API returned an error"), stderr);
        assertTrue(stderr.contains("\"message\": \"Invalid API key.\""), stderr);
        assertTrue(stderr.contains("\"status_code\": 400"), stderr);
    }

    private void checkUpload(JsonNode body, String title, int width, int height, Run run) throws Exception {
        assertEquals(200, body.get("status_code").asInt(), run.toString());
        assertEquals("OK", body.get("status_txt").asString());
        JsonNode image = body.get("image");
        assertEquals(width, image.get("width").asInt());
        assertEquals(height, image.get("height").asInt());
        assertEquals(title, image.get("title").asString());
        assertEquals("image/jpeg", image.get("mime").asString());
        assertTrue(image.get("id_encoded").asString().matches("[A-Za-z0-9]+"), image.toString());
        assertTrue(
                image.get("url").asString().startsWith(base + "/images/"),
                image.get("url").asString());
        assertTrue(image.get("delete_url").asString().startsWith(base + "/image/"), image.toString());

        HttpResponse<byte[]> file = http.send(
                HttpRequest.newBuilder(URI.create(image.get("url").asString()))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, file.statusCode());
        assertEquals("image/jpeg", file.headers().firstValue("Content-Type").orElseThrow());
        int[] size = TestImages.size(file.body());
        assertEquals(List.of(width, height), List.of(size[0], size[1]));
        HttpResponse<String> viewer = http.send(
                HttpRequest.newBuilder(URI.create(image.get("url_viewer").asString()))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, viewer.statusCode());
        assertTrue(viewer.body().contains(title), "the viewer page shows the title sent through customPayload");
    }

    // ---- Node ------------------------------------------------------------------------------------------------------

    private record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Run node(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", "upload.mjs"));
        command.addAll(List.of(args));
        return run(command, RUN_TIMEOUT_SECONDS);
    }

    /** {@code npm ci --ignore-scripts} into the client's folder, unless the pinned version is there already. */
    private static void installClient() throws IOException, InterruptedException {
        JsonNode manifest = JSON.readTree(Files.readString(CLIENT.resolve("package.json")));
        String pinned = manifest.get("dependencies").get("imgbb-uploader").asString();
        Path installed =
                CLIENT.resolve("node_modules").resolve("imgbb-uploader").resolve("package.json");
        if (Files.isRegularFile(installed)
                && pinned.equals(JSON.readTree(Files.readString(installed))
                        .get("version")
                        .asString())) {
            return;
        }
        Run npm = run(List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"), INSTALL_TIMEOUT_SECONDS);
        if (npm.exitCode() != 0) {
            throw new AssertionError("npm ci failed in " + CLIENT + ":\n" + npm);
        }
    }

    /** Runs {@code command} in the client's folder; output goes to files (no pipe can fill up and block it). */
    private static Run run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tesela-node-out-", ".txt");
        Path err = Files.createTempFile("tesela-node-err-", ".txt");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(CLIENT.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                    .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                        + " s:\n" + Files.readString(out, StandardCharsets.UTF_8) + "\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** Skips (or, with TESELA_TEST_REQUIRE_SERVICES=1, fails) unless {@code tool --version} runs. */
    private static void requireTool(String tool) {
        String problem;
        try {
            Run version = run(List.of(tool, "--version"), 30);
            if (version.exitCode() == 0) {
                return;
            }
            problem = tool + " --version exited " + version.exitCode();
        } catch (IOException | InterruptedException | AssertionError e) {
            problem = tool + " is not installed (" + e.getMessage() + ")";
        }
        if (Services.REQUIRED) {
            Assertions.fail(problem + " and TESELA_TEST_REQUIRE_SERVICES=1");
        }
        Assumptions.abort(problem + "; skipping");
    }
}
