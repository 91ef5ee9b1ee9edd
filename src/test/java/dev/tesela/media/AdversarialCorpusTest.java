package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.imaging.AdversarialCorpus;
import dev.tesela.imaging.AdversarialCorpus.Sample;
import dev.tesela.imaging.ImageEngines;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.Multipart;
import dev.tesela.testing.ServeProcess;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A generated corpus of hostile and broken files ({@link AdversarialCorpus}: forged sizes and extreme aspect ratios,
 * truncations, bit flips, polyglots, wrong names and types, oversized metadata, empty files; about 700 files) sent
 * through API v1 to a real {@code serve} process with a small heap, once per image engine (libvips: skipped when it
 * is absent, failed in CI; pure Java). Every answer must be 200 or a 4xx with a JSON error message, never a 5xx or a
 * broken connection; the process must be alive at the end with its peak RSS (VmHWM) under {@link #RSS_CEILING_MIB};
 * and nothing of a refused file may be stored: rows and files equal what the accepted uploads answered, and the temp
 * dir is empty.
 *
 * <p>The server gets {@code -Xmx192m}, 2 image workers and a per-job budget of 4 MP
 * ({@code TESELA_IMAGE_JOB_MEGAPIXELS}): at about 12 bytes a budgeted pixel that is at most ~96 MB of image work at
 * once, which fits the heap beside the server's own ~70 MB. The RSS ceiling of 600 MiB is that heap, the JVM's
 * metaspace, code cache and thread stacks (about 150 MiB measured idle above the heap), libvips's own buffers for two
 * jobs of 4 MP (~100 MB), and headroom for glibc's arenas (two, as the {@code tesela} launcher sets
 * MALLOC_ARENA_MAX); a 60000×1 thumbnail on main took over 21 GB. Statistics go
 * to {@code target/adversarial-corpus/summary.txt}, the servers' logs beside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdversarialCorpusTest {
    private static final Path OUT = Path.of("target", "adversarial-corpus").toAbsolutePath();
    private static final long RSS_CEILING_MIB = 600;
    private static final int PARALLEL = 3;
    /** C1 only: a server that answers a few hundred small requests spends more CPU compiling with C2 than it saves. */
    private static final List<String> SERVE_JVM = List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<Sample> corpus = AdversarialCorpus.generate(20261202L);
    private final Map<String, String> summaries = Collections.synchronizedMap(new LinkedHashMap<>());

    @ParameterizedTest
    @ValueSource(strings = {"vips", "java"})
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyFileIsAnsweredWithoutHarmAndRefusedOnesLeaveNothing(String engine) throws Exception {
        if (engine.equals("vips")) {
            requireLibvips();
        }
        long started = System.nanoTime();
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2)) {
            Map<String, String> env = TestApps.env(
                    db,
                    Map.of(
                            "TESELA_IMAGE_ENGINE",
                            engine,
                            "TESELA_IMAGE_WORKERS",
                            "2",
                            "TESELA_IMAGE_JOB_MEGAPIXELS",
                            "4",
                            "TESELA_IMAGE_QUEUE_WAIT_SECONDS",
                            "120",
                            "MALLOC_ARENA_MAX",
                            "2")); // as ./tesela runs it
            Path dataDir = TestApps.dataDir(env);
            CliRun install =
                    CliRun.run(env, "install", "-u", "admin", "-e", "admin@example.com", "-x", "a long password");
            assertEquals(0, install.exitCode(), install.toString());
            CliRun key = CliRun.run(env, "api-key-create", "-u", "admin");
            assertEquals(0, key.exitCode(), key.toString());
            String apiKey = key.lastLine();

            ServeProcess serve = ServeProcess.start("serve-" + engine, env, OUT, SERVE_JVM);
            Results results;
            long peakRssKib;
            double cpuSeconds;
            try {
                serve.awaitReady(http);
                results = sendAll(serve.port, apiKey);
                assertTrue(serve.isAlive(), "the server died:\n" + serve.tail());
                peakRssKib = vmHwmKib(serve.pid());
                cpuSeconds = cpuSeconds(serve.pid());
            } finally {
                serve.stop();
            }

            long rows = countRows(db);
            long files = countFiles(dataDir.resolve("files"));
            List<Path> leftInTmp = regularFiles(dataDir.resolve("tmp"));
            double seconds = (System.nanoTime() - started) / 1e9;
            summaries.put(engine, results.summary(engine, peakRssKib, rows, files, seconds, cpuSeconds));

            assertEquals(
                    List.of(),
                    results.failures.subList(0, Math.min(20, results.failures.size())),
                    results.failures.size() + " answers were not 200 or a 4xx with a JSON message (first 20 shown)");
            assertEquals(results.accepted.get(), rows, "rows stored = uploads accepted");
            assertEquals(
                    results.filesAnswered.get(), files, "files stored = main + thumb + medium of the accepted uploads");
            assertEquals(List.of(), leftInTmp, "temp files left behind");
            assertTrue(
                    peakRssKib / 1024 < RSS_CEILING_MIB,
                    "peak RSS " + peakRssKib / 1024 + " MiB over " + RSS_CEILING_MIB);
            results.requireExpectedOutcomes(engine);
        }
    }

    @AfterAll
    void writeSummary() throws IOException {
        Files.createDirectories(OUT);
        Map<String, Integer> perCategory = new TreeMap<>();
        for (Sample s : corpus) {
            perCategory.merge(s.category(), 1, Integer::sum);
        }
        StringBuilder text = new StringBuilder(
                "Adversarial corpus: " + corpus.size() + " files (seed 20261202), sent to each engine\n");
        perCategory.forEach(
                (category, n) -> text.append(String.format(Locale.ROOT, "  %-20s %5d files%n", category, n)));
        summaries.values().forEach(text::append);
        Files.writeString(OUT.resolve("summary.txt"), text.toString());
    }

    // ---- sending -----------------------------------------------------------------------------------------------

    /** What the server answered, per category. Thread-safe. */
    private final class Results {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger filesAnswered = new AtomicInteger();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final Map<String, int[]> perCategory = Collections.synchronizedMap(new TreeMap<>());
        final Map<String, Integer> statusCounts = Collections.synchronizedMap(new TreeMap<>());
        final Map<String, Integer> messages = Collections.synchronizedMap(new TreeMap<>());
        final Map<String, Integer> statusByName = Collections.synchronizedMap(new HashMap<>());
        final Map<String, Integer> thumbWidthByName = Collections.synchronizedMap(new HashMap<>());
        final AtomicInteger requests = new AtomicInteger();
        final Map<String, Long> millisByName = Collections.synchronizedMap(new HashMap<>());
        final Map<String, Long> millisByCategory = Collections.synchronizedMap(new TreeMap<>());
        volatile long slowestMs;
        volatile String slowest = "";

        void record(Sample sample, int status, String body, long millis) {
            requests.incrementAndGet();
            millisByName.put(sample.name(), millis);
            millisByCategory.merge(sample.category(), millis, Long::sum);
            statusByName.put(sample.name(), status);
            statusCounts.merge(Integer.toString(status), 1, Integer::sum);
            int[] counts = perCategory.computeIfAbsent(sample.category(), c -> new int[2]);
            synchronized (this) {
                if (millis > slowestMs) {
                    slowestMs = millis;
                    slowest = sample.name();
                }
            }
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (RuntimeException e) {
                failures.add(sample.name() + ": " + status + " without JSON: " + abbreviate(body));
                return;
            }
            if (status == 200) {
                synchronized (counts) {
                    counts[0]++;
                }
                accepted.incrementAndGet();
                JsonNode image = json.path("image");
                int chain = image.path("chain").asInt();
                filesAnswered.addAndGet(1 + ((chain & 2) != 0 ? 1 : 0) + ((chain & 1) != 0 ? 1 : 0));
                thumbWidthByName.put(
                        sample.name(), image.path("thumb").path("width").asInt());
            } else if (status >= 400 && status < 500) {
                synchronized (counts) {
                    counts[1]++;
                }
                String message = json.path("error").path("message").asString("");
                if (message.isBlank() || message.contains("Exception") || message.contains("java.")) {
                    failures.add(sample.name() + ": " + status + " with message '" + message + "'");
                }
                messages.merge(status + " " + message, 1, Integer::sum);
            } else {
                failures.add(sample.name() + " (" + sample.category() + "): " + status + " " + abbreviate(body));
            }
        }

        /** Files every engine must accept (and, on libvips, the formats only it reads); sizes it must refuse. */
        void requireExpectedOutcomes(String engine) {
            List<String> mustAccept = new ArrayList<>(List.of(
                    "jpeg.jpg",
                    "jpeg-progressive.jpg",
                    "png.png",
                    "png-alpha.png",
                    "gif.gif",
                    "gif-animated.gif",
                    "webp.webp",
                    "bmp.bmp",
                    "60000x1.png",
                    "1x60000.png",
                    "30000x2.png",
                    "2x30000.png",
                    "65535x1.png",
                    "1x65535.png",
                    "60000x1.jpg",
                    "1x60000.jpg",
                    "30000x2.jpg",
                    "30000x2.gif"));
            if (engine.equals("vips")) {
                mustAccept.addAll(List.of("webp-animated.webp", "avif.avif", "heic.heic"));
            }
            for (String name : mustAccept) {
                assertEquals(200, statusByName.get(name), name + " should be accepted");
            }
            for (String name :
                    List.of("60000x1.png", "1x60000.png", "60000x1.jpg", "1x60000.jpg", "30000x2.png", "65535x1.png")) {
                assertEquals(320, thumbWidthByName.get(name), name + ": the thumbnail is the 320×320 box");
            }
            for (String name :
                    List.of("65536x1.png", "png-12000x12000.png", "png-50000x50000.png", "jpeg-65535x65535.jpg")) {
                assertEquals(400, statusByName.get(name), name + " should be refused");
            }
        }

        String summary(String engine, long peakRssKib, long rows, long files, double seconds, double cpuSeconds) {
            StringBuilder s = new StringBuilder();
            s.append(String.format(
                    Locale.ROOT,
                    "%nEngine %s: %d requests in %.1f s (server start included; load average %s), "
                            + "server CPU %.1f s; %d accepted, %d refused; peak RSS (VmHWM) %d MiB (ceiling %d); rows %d, files %d; "
                            + "slowest answer %d ms (%s)%n",
                    engine,
                    requests.get(),
                    seconds,
                    loadAverage(),
                    cpuSeconds,
                    accepted.get(),
                    requests.get() - accepted.get(),
                    peakRssKib / 1024,
                    RSS_CEILING_MIB,
                    rows,
                    files,
                    slowestMs,
                    slowest));
            perCategory.forEach((category, c) -> s.append(String.format(
                    Locale.ROOT,
                    "  %-20s accepted %4d  refused %4d  (%6d ms answering)%n",
                    category,
                    c[0],
                    c[1],
                    millisByCategory.getOrDefault(category, 0L))));
            s.append("  slowest answers: ");
            millisByName.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .limit(12)
                    .forEach(e -> s.append(e.getKey())
                            .append(' ')
                            .append(e.getValue())
                            .append(" ms, "));
            s.append('\n');
            s.append("  statuses: ").append(statusCounts).append('\n');
            s.append("  refusal messages:\n");
            messages.entrySet().stream()
                    .sorted((a, b) -> b.getValue() - a.getValue())
                    .forEach(e -> s.append(
                            String.format(Locale.ROOT, "    %4d × %s%n", e.getValue(), abbreviate(e.getKey()))));
            if (!failures.isEmpty()) {
                s.append("  FAILURES: ").append(failures.size()).append('\n');
                failures.stream()
                        .limit(50)
                        .forEach(f -> s.append("    ").append(f).append('\n'));
            }
            return s.toString();
        }
    }

    private Results sendAll(int port, String apiKey) throws Exception {
        Results results = new Results();
        URI upload = URI.create("http://127.0.0.1:" + port + "/api/1/upload");
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<?>> pending = new ArrayList<>();
            for (Sample sample : corpus) {
                pending.add(pool.submit(() -> {
                    Multipart form = new Multipart()
                            .field("key", apiKey)
                            .field("format", "json")
                            .file("source", sample.name(), sample.contentType(), sample.bytes());
                    HttpRequest request = HttpRequest.newBuilder(upload)
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", form.contentType())
                            .POST(form.publisher())
                            .build();
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        results.record(
                                sample, response.statusCode(), response.body(), (System.nanoTime() - t0) / 1_000_000);
                    } catch (IOException e) {
                        results.failures.add(sample.name() + " (" + sample.category() + "): no answer: " + e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            for (Future<?> f : pending) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return results;
    }

    // ---- measuring ---------------------------------------------------------------------------------------------

    private static void requireLibvips() {
        try {
            ImageEngines.select("vips", new PixelBudget(1));
        } catch (IllegalStateException e) {
            if (Services.REQUIRED) {
                fail(e.getMessage() + " and TESELA_TEST_REQUIRE_SERVICES=1 (install libvips42)", e);
            }
            Assumptions.abort(e.getMessage() + "; skipping the libvips half");
        }
    }

    /** The peak resident set size of a process, from /proc/&lt;pid&gt;/status (Linux), in KiB. */
    private static long vmHwmKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM for process " + pid);
    }

    /** User + system CPU time of a process so far, from /proc/&lt;pid&gt;/stat (clock ticks of 1/100 s), in seconds. */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    /** The 1-minute load average, for reading the wall times (this machine's 2 cores are shared). */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long countRows(TestDatabase db) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tsl_images")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long countFiles(Path dir) throws IOException {
        return regularFiles(dir).size();
    }

    private static List<Path> regularFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }
}
