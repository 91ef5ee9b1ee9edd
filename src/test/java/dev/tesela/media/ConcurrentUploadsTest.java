package dev.tesela.media;

import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGE_VARIANTS;
import static dev.tesela.platform.db.schema.tenant.Tables.USERS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.Multipart;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Uploads by one user at the same moment on MariaDB (which deadlocked on the user's image counter: 21 of 60 answered
 * 500 before the lock order was fixed), all under the same client file name (so the unique storage keys settle
 * which upload gets "photo.jpg"); and the transaction retry seen from an upload, with a transient failure (a
 * deadlock signalled by a trigger, retried: the upload succeeds) and a non-transient one (not retried: the upload
 * fails and leaves nothing behind).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentUploadsTest {
    private static final int PARALLEL = 6;
    private static final int ROUNDS = 5;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicInteger seed = new AtomicInteger(5000);

    @AutoClose
    private TestSite site;

    private String base;
    private Path files;
    private Path dataDir;
    private String userKey;

    @BeforeAll
    void start() {
        site = TestSite.on(TestDatabase.Kind.MARIADB)
                .installed()
                .user("alice")
                .apiKey("alice", "parallel")
                .serving()
                .start();
        dataDir = site.dataDir();
        files = site.files();
        userKey = site.key("alice");
        base = site.base();
    }

    @Test
    void sixUploadsAtOnceByOneUserAllSucceedRoundAfterRound() throws Exception {
        long before = images();
        // Every retry is logged (DEBUG) by Transactions: none may be needed here, which proves the lock order itself
        // (the retry alone would hide most deadlocks).
        ch.qos.logback.classic.Logger retries = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(dev.tesela.platform.db.Transactions.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> retryLog =
                new ch.qos.logback.core.read.ListAppender<>();
        retryLog.start();
        ch.qos.logback.classic.Level level = retries.getLevel();
        retries.setLevel(ch.qos.logback.classic.Level.DEBUG);
        retries.addAppender(retryLog);
        List<String> failures = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> responses = new ArrayList<>();
                for (int i = 0; i < PARALLEL; i++) {
                    byte[] jpeg = TestImages.jpeg(160, 120, seed.incrementAndGet());
                    responses.add(threads.submit(() -> {
                        go.await();
                        return upload(jpeg);
                    }));
                }
                go.countDown();
                for (Future<HttpResponse<String>> f : responses) {
                    HttpResponse<String> response = f.get();
                    if (response.statusCode() != 200) {
                        failures.add("round " + round + ": " + response.statusCode() + " " + response.body());
                    }
                }
            }
        }
        retries.detachAppender(retryLog);
        retries.setLevel(level);
        assertEquals(List.of(), failures);
        assertEquals(
                List.of(),
                retryLog.list.stream()
                        .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                        .toList(),
                "no transaction had to be retried");
        int uploads = PARALLEL * ROUNDS;
        assertEquals(before + uploads, images());
        assertEquals(
                images(),
                (long) dsl().select(USERS.IMAGE_COUNT)
                        .from(USERS)
                        .where(USERS.USERNAME.eq("alice"))
                        .fetchOne(USERS.IMAGE_COUNT),
                "the counter kept up");
        List<String> keys = dsl().select(IMAGES.STORAGE_KEY).from(IMAGES).fetch(IMAGES.STORAGE_KEY);
        Set<String> distinct = new HashSet<>(keys);
        assertEquals(keys.size(), distinct.size(), "every upload got its own name");
        assertTrue(keys.stream().anyMatch(k -> k.endsWith("/photo.jpg")), keys.toString());
        for (String key : keys) {
            assertTrue(Files.isRegularFile(files.resolve(key)), key);
        }
        long variants = dsl().fetchCount(IMAGE_VARIANTS);
        assertTrue(variants >= keys.size(), "a thumbnail each at least");
        assertEquals(keys.size() + variants, publishedFiles(), "the files of the rows, nothing else");
        assertFalse(
                Files.exists(files.resolve(".staging")) && !isEmpty(files.resolve(".staging")), "nothing left staged");
    }

    @Test
    void aTransientFailureInTheUploadTransactionIsRetriedAndANonTransientOneIsNot() throws Exception {
        DSLContext dsl = dsl();
        // A non-transactional table: the trigger's bookkeeping survives the rollback of the failed attempt.
        dsl.execute("CREATE TABLE fault_injection (mode VARCHAR(16), budget INT, fired INT) ENGINE=MyISAM");
        dsl.execute("INSERT INTO fault_injection VALUES ('deadlock', 1, 0)");
        dsl.execute("""
                CREATE TRIGGER fault_injection_on_images BEFORE INSERT ON tsl_images FOR EACH ROW
                BEGIN
                  IF (SELECT budget FROM fault_injection) > 0 THEN
                    UPDATE fault_injection SET budget = budget - 1, fired = fired + 1;
                    IF (SELECT mode FROM fault_injection) = 'deadlock' THEN
                      SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found (injected)';
                    ELSE
                      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure';
                    END IF;
                  END IF;
                END""");
        try {
            long rows = images();
            HttpResponse<String> retried = upload(TestImages.jpeg(200, 150, seed.incrementAndGet()));
            assertEquals(200, retried.statusCode(), retried.body());
            assertEquals(
                    1,
                    (int) dsl.fetchValue("SELECT fired FROM fault_injection", Integer.class),
                    "the first attempt deadlocked");
            assertEquals(rows + 1, images(), "the retry committed, once");

            dsl.execute("UPDATE fault_injection SET mode = 'failure', budget = 5, fired = 0");
            long files = publishedFiles();
            HttpResponse<String> failed = upload(TestImages.jpeg(200, 150, seed.incrementAndGet()));
            assertEquals(500, failed.statusCode(), failed.body());
            assertFalse(failed.body().contains("Exception"), failed.body());
            assertEquals(1, (int) dsl.fetchValue("SELECT fired FROM fault_injection", Integer.class), "not retried");
            assertEquals(rows + 1, images(), "no row");
            assertEquals(files, publishedFiles(), "no file");
            assertTrue(
                    !Files.exists(this.files.resolve(".staging")) || isEmpty(this.files.resolve(".staging")),
                    "nothing staged");
            assertTrue(isEmpty(dataDir.resolve("tmp").resolve("uploads")), "no temp file");
        } finally {
            dsl.execute("DROP TRIGGER fault_injection_on_images");
            dsl.execute("DROP TABLE fault_injection");
        }
    }

    private HttpResponse<String> upload(byte[] jpeg) throws IOException, InterruptedException {
        Multipart form = new Multipart()
                .field("key", userKey)
                .field("format", "json")
                .file("source", "photo.jpg", "image/jpeg", jpeg);
        return http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", form.contentType())
                        .POST(form.publisher())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private DSLContext dsl() {
        return site.dsl();
    }

    private long images() {
        return dsl().fetchCount(IMAGES);
    }

    private long publishedFiles() throws IOException {
        if (!Files.exists(files)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(files)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !files.relativize(p).toString().startsWith("."))
                    .count();
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.noneMatch(Files::isRegularFile);
        }
    }
}
