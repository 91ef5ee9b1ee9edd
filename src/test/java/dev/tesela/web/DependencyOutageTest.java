package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.web.WebKeys;
import dev.tesela.platform.web.WebServer;
import dev.tesela.testing.HostRequests;
import dev.tesela.testing.Multipart;
import dev.tesela.testing.PrivatePostgres;
import dev.tesela.testing.PrivateRedis;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Outages of the two dependencies of a production single site, on PRIVATE servers this class starts and stops
 * (never the shared ones): Redis killed, then PostgreSQL stopped as a crash would stop it. While one is down, under
 * a little concurrent load, {@code /readyz} says 503 within 1 s and names the dependency, requests that need it
 * answer 503 with Retry-After within 2 s (never a 500, never a hang), stored files keep being served; once it is
 * back, everything answers 200 again without restarting the app. Short timeouts are configured for the test
 * (pool wait 800 ms, Redis command timeout 500 ms), as an operator may.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DependencyOutageTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** How long recovery may take once the dependency is back (reconnect back-off included). */
    private static final Duration RECOVERY = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private PrivatePostgres postgres;
    private PrivateRedis redis;
    private TestSite site;
    private App app;
    private String base;
    private String apiKey;
    private Path dataDir;
    /** A stored file (/images/...) and the viewer page of its image. */
    private String filePath;

    private String viewerPath;
    private static final String INTERNAL_HOST = "internal.test";
    /** The same installation in provider mode (its own app and server, same database, files and Redis). */
    private App provider;

    private WebServer providerServer;
    private int providerPort;

    @BeforeAll
    void start() throws Exception {
        redis = PrivateRedis.startOrShared(Path.of("target", "redis-outage.log"));
        if (!redis.isPrivate()) {
            redis.close();
            Services.unavailable("redis-server (a private one, to kill)", new IllegalStateException("not installed"));
        }
        postgres = PrivatePostgres.start();
        site = TestSite.onDatabase(Map.of(
                        "TESELA_DB_URL", postgres.jdbcUrl(), "TESELA_DB_USER", "postgres", "TESELA_DB_POOL_SIZE", "4"))
                .env(Map.of(
                        "TESELA_DB_POOL_WAIT_MS",
                        "800",
                        "TESELA_REDIS_URL",
                        redis.url() + "?timeout=500ms",
                        "TESELA_ENCRYPTION_KEY",
                        java.util.Base64.getEncoder().encodeToString(new byte[32]),
                        "TESELA_IMAGE_WORKERS",
                        "2"))
                .installed()
                .apiKey(TestSite.ADMIN, "outage tests")
                .serving()
                .start();
        Map<String, String> env = site.env();
        app = site.app();
        dataDir = site.dataDir();
        apiKey = site.key(TestSite.ADMIN);
        base = site.base();

        HttpResponse<String> uploaded = upload(1);
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        JsonNode image = JSON.readTree(uploaded.body()).get("image");
        filePath = URI.create(image.get("url").asString()).getPath();
        viewerPath = image.get("path_viewer").asString();
        assertEquals(200, get(filePath, Map.of()).statusCode());
        assertEquals(200, get(viewerPath, Map.of()).statusCode());

        // The same installation in provider mode: the single site is the tenant "default" of the registry, on host
        // localhost, with the same files.
        Map<String, String> providerEnv = new java.util.HashMap<>(env);
        providerEnv.putAll(Map.of(
                "TESELA_TENANTS_ENABLED",
                "1",
                "TESELA_PROVIDER_NAME",
                "Outage Hosting",
                "TESELA_PROVIDER_URL",
                "https://provider.example",
                "TESELA_INTERNAL_HOSTNAME",
                INTERNAL_HOST));
        provider = App.wire(TestApps.config(providerEnv));
        providerServer = provider.webServer();
        providerPort = providerServer.start();
        assertEquals(200, onHost("localhost", filePath).statusCode(), "the provider app serves the tenant's file");
    }

    @AfterAll
    void stop() {
        if (providerServer != null) {
            providerServer.stop();
        }
        if (provider != null) {
            provider.close();
        }
        if (site != null) {
            site.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void redisKilledFailsFastWhileFilesAndGuestPagesKeepWorkingAndItRecoversWhenRedisIsBack() throws Exception {
        Map<String, String> signedIn = Map.of("Cookie", WebKeys.SESSION_COOKIE + "=" + signIn());
        assertEquals(200, get("/", signedIn).statusCode());
        try (Load load = new Load(List.of(filePath, "/", viewerPath), signedIn);
                Restore back = redis::restartIfKilled) {
            redis.kill();

            Timed ready = timed(() -> get("/readyz", Map.of()));
            assertEquals(503, ready.response.statusCode(), ready.response.body());
            assertTrue(ready.millis < 1000, "/readyz took " + ready.millis + " ms");
            JsonNode checks = JSON.readTree(ready.response.body()).get("checks");
            assertEquals("ok", checks.get("database").asString(), ready.response.body());
            assertFalse("ok".equals(checks.get("redis").asString()), ready.response.body());

            for (int i = 0; i < 3; i++) {
                Timed page = timed(() -> get("/", signedIn));
                assertBusy(page, 2000);
            }
            Timed file = timed(() -> get(filePath, Map.of()));
            assertEquals(200, file.response.statusCode());
            assertTrue(file.millis < 1000, "a file took " + file.millis + " ms");
            // Guests need no session: their pages are still served from the database.
            assertEquals(200, get(viewerPath, Map.of()).statusCode());

            redis.restart();
            awaitStatus(200, "/readyz", Map.of());
            // The restarted Redis is empty: the old session is gone, so the page is served to a guest.
            awaitStatus(200, "/", signedIn);
            assertEquals(
                    200,
                    get("/", Map.of("Cookie", WebKeys.SESSION_COOKIE + "=" + signIn()))
                            .statusCode());
            load.assertOnlyOkOrBusy();
        }
    }

    @Test
    void postgresStoppedFailsFastWhileFilesKeepBeingServedAndItRecoversWhenPostgresIsBack() throws Exception {
        Map<String, String> signedIn = Map.of("Cookie", WebKeys.SESSION_COOKIE + "=" + signIn());
        try (Load load = new Load(List.of(filePath, viewerPath, "/"), Map.of());
                Restore back = postgres::startIfStopped) {
            postgres.stopImmediately();

            Timed ready = timed(() -> get("/readyz", Map.of()));
            assertEquals(503, ready.response.statusCode(), ready.response.body());
            assertTrue(ready.millis < 1000, "/readyz took " + ready.millis + " ms");
            JsonNode checks = JSON.readTree(ready.response.body()).get("checks");
            assertFalse("ok".equals(checks.get("database").asString()), ready.response.body());
            assertEquals("ok", checks.get("redis").asString(), ready.response.body());

            for (int i = 0; i < 3; i++) {
                int seed = 100 + i;
                Timed upload = timed(() -> upload(seed));
                assertBusy(upload, 2000);
                JsonNode body = JSON.readTree(upload.response.body());
                assertEquals(503, body.get("status_code").asInt(), upload.response.body());
                assertBusy(timed(() -> get(viewerPath, signedIn)), 2000);
                assertBusy(timed(() -> get(viewerPath, Map.of())), 2000);
            }
            for (int i = 0; i < 3; i++) {
                Timed file = timed(() -> get(filePath, Map.of()));
                assertEquals(200, file.response.statusCode());
                assertTrue(file.millis < 1000, "a file took " + file.millis + " ms");
            }
            // Provider mode: the registry is unreadable too. A tenant resolved before keeps its files served, also
            // once its cached resolution is gone (it expires after a minute; a Redis reconnect empties it at once).
            provider.tenants().invalidateAll();
            for (int i = 0; i < 3; i++) {
                Timed file = timed(() -> onHost("localhost", filePath));
                assertEquals(200, file.response.statusCode(), file.response.body());
                assertTrue(file.millis < 1000, "a tenant's file took " + file.millis + " ms");
            }
            assertBusy(timed(() -> onHost("unknown.test", filePath)), 2000);

            postgres.startServer();
            awaitStatus(200, "/readyz", Map.of());
            awaitStatus(200, viewerPath, signedIn);
            HttpResponse<String> upload = upload(200);
            assertEquals(200, upload.statusCode(), upload.body());
            load.assertOnlyOkOrBusy();
        }
        try (var left = Files.list(dataDir.resolve("tmp").resolve("uploads"))) {
            assertEquals(List.of(), left.toList(), "temp files left behind by the refused uploads");
        }
    }

    @Test
    void providerModeShowsReadinessDetailsAndMetricsOnlyOnItsInternalHostName() throws Exception {
        // Self-hosted context (the default): provider mode alone hides the host's internals from tenants' hosts.
        assertEquals(404, onHost("localhost", "/metrics").statusCode());
        assertEquals(404, onHost("127.0.0.1", "/metrics").statusCode());
        HttpResponse<String> ready = onHost("localhost", "/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
        assertFalse(ready.body().contains("version") || ready.body().contains("image_engine"), ready.body());
        assertTrue(ready.body().contains("\"database\":\"ok\""), "each check's state is shown: " + ready.body());

        HttpResponse<String> metrics = onHost(INTERNAL_HOST, "/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("tesela_http_requests_total"), metrics.body());
        assertTrue(onHost(INTERNAL_HOST, "/readyz").body().contains("\"version\""));
        // A single site is unchanged: everyone sees them.
        assertEquals(200, get("/metrics", Map.of()).statusCode());
    }

    /** A 503 with Retry-After and no internals in the body, within {@code maxMillis}. */
    private static void assertBusy(Timed t, long maxMillis) {
        assertEquals(503, t.response.statusCode(), t.response.body());
        assertNotNull(t.response.headers().firstValue("Retry-After").orElse(null), "no Retry-After");
        assertTrue(t.millis < maxMillis, "the 503 took " + t.millis + " ms");
        assertFalse(t.response.body().contains("Exception"), t.response.body());
    }

    private String signIn() {
        RequestContext rc = app.systemContext(app.defaultTenant());
        return app.accounts()
                .signIn(rc, new SignIn(TestSite.ADMIN, TestSite.ADMIN_PASSWORD, false, "outage test"))
                .sessionToken();
    }

    private HttpResponse<String> upload(int seed) throws Exception {
        Multipart form = new Multipart()
                .field("key", apiKey)
                .file("source", "p" + seed + ".png", "image/png", TestImages.png(40, 30, seed));
        return http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", form.contentType())
                        .POST(form.publisher())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET {@code path} from the provider-mode app, for the site on {@code host}. */
    private HttpResponse<String> onHost(String host, String path) throws Exception {
        return HostRequests.send(http, providerPort, host, "GET", path, null, new HashMap<>(), Map.of());
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        headers.forEach(request::header);
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code path} until it answers {@code status}, for at most {@link #RECOVERY}. */
    private void awaitStatus(int status, String path, Map<String, String> headers) throws Exception {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(path, headers);
            if (last.statusCode() == status) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " did not answer " + status + " within " + RECOVERY + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }

    /** Brings a stopped dependency back when a test fails half-way, for the next test. */
    private interface Restore extends AutoCloseable {
        @Override
        void close();
    }

    private record Timed(HttpResponse<String> response, long millis) {}

    private interface Call {
        HttpResponse<String> send() throws Exception;
    }

    private static Timed timed(Call call) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = call.send();
        return new Timed(response, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * A little background load for the length of a test: three threads cycling through {@code paths}, at most 2,000
     * requests each. Every answer must be 200 or 503 with Retry-After, within the client's 5 s timeout.
     */
    private final class Load implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        private final AtomicInteger answered = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();

        Load(List<String> paths, Map<String, String> headers) {
            for (int t = 0; t < 3; t++) {
                int offset = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 2_000 && !stop.get(); i++) {
                        String path = paths.get((i + offset) % paths.size());
                        try {
                            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(5));
                            headers.forEach(request::header);
                            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                            boolean ok = r.statusCode() == 200
                                    || r.statusCode() == 302
                                    || (r.statusCode() == 503
                                            && r.headers()
                                                    .firstValue("Retry-After")
                                                    .isPresent());
                            if (!ok) {
                                unexpected.add(path + " → " + r.statusCode() + " "
                                        + r.body()
                                                .substring(
                                                        0,
                                                        Math.min(200, r.body().length())));
                            }
                            answered.incrementAndGet();
                            Thread.sleep(10); // a little load, not a flood: the machine is shared
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            unexpected.add(path + " → " + e);
                        }
                    }
                }));
            }
        }

        void assertOnlyOkOrBusy() {
            assertTrue(answered.get() > 0, "the load made no request");
            assertEquals(List.of(), List.copyOf(unexpected), "unexpected answers under load");
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(10));
            }
        }
    }
}
