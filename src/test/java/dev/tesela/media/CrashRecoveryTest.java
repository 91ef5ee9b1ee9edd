package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.Multipart;
import dev.tesela.testing.ServeProcess;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real {@code serve} process on MariaDB, killed with SIGKILL while four clients upload in a loop (at two different
 * moments: the first time the instant a new file appears in the store, i.e. in an upload's store step), then started again on the same data dir and database each time. After every restart: every row's files
 * exist, no file under {@code data/files} lacks a row (the grace period is 0 s here, so start-up recovery discards
 * every staged file of an uncommitted upload and publishes those of committed ones), nothing is left staged, no file
 * the crash left without a row is served (404), and {@code data/tmp} (uploads and multipart, where a stale file is
 * planted too) is empty.
 */
class CrashRecoveryTest {
    private static final Path LOGS = Path.of("target", "crash-recovery").toAbsolutePath();
    private static final List<String> SERVE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private static final int CLIENTS = 4;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void killedMidUploadTheServerComesBackWithNothingOrphanedAndNothingUnownedServed() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.MARIADB)
                .env(Map.of(
                        "TESELA_STAGING_GRACE_SECONDS",
                        "0",
                        "TESELA_IMAGE_WORKERS",
                        "2",
                        "TESELA_EXPIRED_PURGE_SECONDS",
                        "0"))
                .installed()
                .apiKey(TestSite.ADMIN, "crash")
                .start()) {
            site.closeApp(); // the site is served by the processes below
            TestDatabase db = site.db();
            Map<String, String> env = site.env();
            Path dataDir = site.dataDir();
            Path files = site.files();
            String key = site.key(TestSite.ADMIN);
            AtomicInteger seed = new AtomicInteger(9000);
            int[] killAfterStarted = {5, 9};
            ServeProcess serve = ServeProcess.start("crash-0", env, LOGS, SERVE_JVM);
            serve.awaitReady(http);
            for (int round = 0; round < killAfterStarted.length; round++) {
                uploadUntilKilled(serve, key, seed, killAfterStarted[round], files, round == 0);

                // The state the crash left, before anything repairs it.
                Set<String> owned = ownedKeys(db);
                Set<String> unowned = new TreeSet<>(published(files));
                unowned.removeAll(owned);
                Set<String> staged = staged(files);
                Files.createDirectories(dataDir.resolve("tmp/multipart"));
                Files.createDirectories(dataDir.resolve("tmp/uploads"));
                Files.writeString(
                        dataDir.resolve("tmp/multipart/MultiPart123.tmp"), "a part of a request the crash cut");
                Files.writeString(dataDir.resolve("tmp/uploads/up-123.upload"), "an upload the crash cut");

                serve = ServeProcess.start("crash-" + (round + 1), env, LOGS, SERVE_JVM);
                serve.awaitReady(http);
                System.out.printf(
                        "kill %d: %d rows' files, %d files without a row, %d staged before the restart%n",
                        round + 1, owned.size(), unowned.size(), staged.size());
                String context = "after kill " + (round + 1) + " (" + unowned.size() + " unowned and " + staged.size()
                        + " staged files before the restart; " + serve.log() + ")";

                Set<String> rows = ownedKeys(db);
                Set<String> onDisk = published(files);
                Set<String> missing = new TreeSet<>(rows);
                missing.removeAll(onDisk);
                assertEquals(Set.of(), missing, "rows without their files " + context);
                Set<String> orphans = new TreeSet<>(onDisk);
                orphans.removeAll(rows);
                assertEquals(Set.of(), orphans, "files without a row " + context);
                assertEquals(Set.of(), staged(files), "left staged " + context);
                assertEquals(List.of(), list(dataDir.resolve("tmp/uploads")), "tmp/uploads " + context);
                assertEquals(List.of(), list(dataDir.resolve("tmp/multipart")), "tmp/multipart " + context);
                for (String file : unowned) {
                    if (!rows.contains(file)) {
                        assertEquals(404, get(serve, "/images/" + file), file + " " + context);
                    }
                }
                for (String file : staged) {
                    assertEquals(404, get(serve, "/images/.staging/" + file), file + " " + context);
                }
                for (String file : rows) {
                    assertEquals(200, get(serve, "/images/" + file), file + " " + context);
                }
            }
            assertTrue(ownedKeys(db).size() >= 3, "uploads went through between the kills");
            serve.stop();
        }
    }

    /**
     * Four clients upload in a loop; once {@code killAfter} uploads have been answered (so the others are in full
     * swing, at every step of the pipeline) the process is killed (SIGKILL): in the first round as soon as a new file
     * appears under {@code files} (an upload is in its store step), in the others {@code killAfter} ms later.
     */
    private void uploadUntilKilled(
            ServeProcess serve, String key, AtomicInteger seed, int killAfter, Path files, boolean onNewFile)
            throws Exception {
        AtomicInteger answered = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CLIENTS; c++) {
                clients.submit(() -> {
                    for (int i = 0; i < 50 && !killed.get(); i++) { // bounded; the kill comes far sooner
                        byte[] jpeg = TestImages.jpeg(900, 600, seed.incrementAndGet());
                        Multipart form = new Multipart()
                                .field("key", key)
                                .field("format", "json")
                                .file("source", "photo.jpg", "image/jpeg", jpeg);
                        HttpRequest request = HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + serve.port + "/api/1/upload"))
                                .timeout(Duration.ofSeconds(30))
                                .header("Content-Type", form.contentType())
                                .POST(form.publisher())
                                .build();
                        try {
                            http.send(request, HttpResponse.BodyHandlers.discarding());
                        } catch (IOException cutByTheKill) {
                            return null;
                        }
                        if (answered.incrementAndGet() == killAfter) {
                            if (onNewFile) {
                                Set<Path> before = new java.util.HashSet<>(list(files));
                                long deadline = System.nanoTime()
                                        + Duration.ofSeconds(20).toNanos();
                                while (System.nanoTime() < deadline && before.containsAll(list(files))) {
                                    Thread.sleep(1);
                                }
                            } else {
                                Thread.sleep(killAfter);
                            }
                            serve.kill();
                            killed.set(true);
                        }
                    }
                    return null;
                });
            }
        }
        if (!killed.get()) {
            serve.kill();
        }
    }

    /** Keys of every file the database names: images' main files and their variants. */
    private static Set<String> ownedKeys(TestDatabase db) throws Exception {
        Set<String> keys = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(db.url(), "root", "")) {
            for (String sql :
                    List.of("SELECT storage_key FROM tsl_images", "SELECT storage_key FROM tsl_image_variants")) {
                try (ResultSet r = c.createStatement().executeQuery(sql)) {
                    while (r.next()) {
                        keys.add(r.getString(1));
                    }
                }
            }
        }
        return keys;
    }

    /** Files under their keys (the staging area left out). */
    private static Set<String> published(Path files) throws IOException {
        Set<String> keys = new TreeSet<>();
        for (Path p : list(files)) {
            String key = files.relativize(p).toString();
            if (!key.startsWith(".staging/")) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static Set<String> staged(Path files) throws IOException {
        Set<String> keys = new TreeSet<>();
        for (Path p : list(files.resolve(".staging"))) {
            keys.add(files.resolve(".staging").relativize(p).toString());
        }
        return keys;
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(
                    Path file, java.nio.file.attribute.BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    found.add(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE; // moved or removed while we looked
            }
        });
        return found;
    }

    private int get(ServeProcess serve, String path) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.port + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
