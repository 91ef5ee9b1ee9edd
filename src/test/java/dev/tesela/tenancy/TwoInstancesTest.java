package dev.tesela.tenancy;

import static dev.tesela.testing.HostRequests.csrf;
import static dev.tesela.testing.HostRequests.enc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.platform.security.Crypto;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.PrivateRedis;
import dev.tesela.testing.ServeProcess;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Provider mode with two real {@code serve} processes (separate JVMs) sharing one database and one Redis, as
 * behind a load balancer: a tenant created, renamed and disabled through instance A's Tenants API is served,
 * renamed and disabled on instance B within 250 ms (the Redis cache bus), a settings change made on another
 * instance (the CLI, sharing the database and Redis) is seen by A and B within 250 ms, a session opened on A is
 * valid on B and, ended on B, is ended on A too, and a tenant deleted and re-created with the same id through A is
 * served by B as the new site: not installed, then, once installed, with a new public-id salt (B had the old
 * tenant's runtime, installed, with its codec, in memory).
 *
 * <p>Each instance has a data dir of its own: nothing here stores files, and separate dirs show that the registry,
 * sessions and keys live only in the shared database and Redis (the encryption key is shared through the
 * environment, as it must be). Uploads across instances would need one file store (shared disk or S3). The
 * instances' logs, a private redis-server's log and the measured times are left in {@code target/two-instances/}.
 */
class TwoInstancesTest {
    private static final Duration PROPAGATION_LIMIT = Duration.ofMillis(250);
    private static final Duration POLL_GIVE_UP = Duration.ofSeconds(5);
    private static final Path LOGS = Path.of("target", "two-instances").toAbsolutePath();
    /** C1 only: a server that answers a few dozen requests never profits from C2 (halves two JVMs' start-up here). */
    private static final List<String> SERVE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final String SIGNED_IN_AS_ADMIN = "data-testid=\"signed-in-user\">admin<";
    private static final String PASSWORD = "a long password";
    private static PrivateRedis redis;
    /** The Tenants API key of the current run. */
    private String apiKey;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void startRedis() throws IOException {
        Files.createDirectories(LOGS);
        redis = PrivateRedis.startOrShared(LOGS.resolve("redis.log"));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TestDatabase.Kind.class,
            names = {"MARIADB", "POSTGRES"})
    @Timeout(value = 100, unit = TimeUnit.SECONDS)
    void aTenantManagedThroughOneProcessIsServedByTheOtherAndSessionsAreShared(TestDatabase.Kind kind)
            throws Exception {
        long testStarted = System.nanoTime();
        String label = kind.name().toLowerCase(Locale.ROOT);
        Map<String, String> provider = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        provider.put("TESELA_REDIS_URL", redis.url());
        provider.put("TESELA_IMAGE_WORKERS", "1");
        try (TestDatabase db = TestDatabase.create(kind)) {
            // The provider's control plane and a Tenants API key, made in-process through the CLI.
            Map<String, String> setup = TestApps.env(db, provider);
            CliRun init = CliRun.run(setup, "tenants", "init");
            assertEquals(0, init.exitCode(), init.toString());
            CliRun keyRun = CliRun.run(setup, "tenants", "api:key:create", "--name", "two-instances");
            assertEquals(0, keyRun.exitCode(), keyRun.toString());
            apiKey = keyRun.lastLine();

            List<ServeProcess> processes = new ArrayList<>();
            try {
                ServeProcess a = ServeProcess.start(label + "-a", TestApps.env(db, provider), LOGS, SERVE_JVM);
                processes.add(a);
                ServeProcess b = ServeProcess.start(label + "-b", TestApps.env(db, provider), LOGS, SERVE_JVM);
                processes.add(b);
                a.awaitReady(http);
                b.awaitReady(http);
                double startedMs = millisSince(testStarted);

                String id = "t" + Crypto.randomBase62(8).toLowerCase(Locale.ROOT);
                assertEquals(
                        404,
                        page(b, "one.test", "GET", "/", null, new HashMap<>()).statusCode(),
                        "B: one.test unknown at first");

                // Created through A: B stops answering 404 for it (it had cached "unknown").
                var created = api(
                        a, "POST", "/tenants", "{\"id\":\"" + id + "\",\"hostname\":\"one.test\",\"is_enabled\":true}");
                assertEquals(201, created.statusCode(), created.body());
                long createdAt = System.nanoTime();
                double createMs = millisUntil(
                        createdAt,
                        () -> page(b, "one.test", "GET", "/", null, new HashMap<>())
                                        .statusCode()
                                != 404,
                        "B serves the new tenant one.test");
                var installed = api(
                        a,
                        "POST",
                        "/tenants/" + id + "/install",
                        "{\"username\":\"admin\",\"email\":\"admin@example.com\",\"password\":\"" + PASSWORD + "\"}");
                assertEquals(201, installed.statusCode(), installed.body());
                var homeOnB = page(b, "one.test", "GET", "/", null, new HashMap<>());
                assertEquals(200, homeOnB.statusCode(), "B serves the installed tenant");
                assertTrue(homeOnB.body().contains("href=\"/login\""), "B shows the tenant's home page to a guest");

                // Signed in on A, the session cookie signs the browser in on B.
                Map<String, String> jar = new HashMap<>();
                String guestCsrf =
                        csrf(page(a, "one.test", "GET", "/login", null, jar).body());
                var signIn = page(
                        a,
                        "one.test",
                        "POST",
                        "/login",
                        "login=admin&password=" + enc(PASSWORD) + "&csrf_token=" + enc(guestCsrf),
                        jar);
                assertEquals(303, signIn.statusCode(), signIn.body());
                assertTrue(jar.containsKey("tsl_session"), "A set a session cookie");
                Map<String, String> signedIn = Map.copyOf(jar);
                String homeA = page(a, "one.test", "GET", "/", null, new HashMap<>(signedIn))
                        .body();
                assertTrue(homeA.contains(SIGNED_IN_AS_ADMIN), "signed in on A");
                assertTrue(
                        page(b, "one.test", "GET", "/", null, new HashMap<>(signedIn))
                                .body()
                                .contains(SIGNED_IN_AS_ADMIN),
                        "A's session cookie signs in on B");
                assertEquals(
                        200,
                        page(b, "one.test", "GET", "/login", null, new HashMap<>())
                                .statusCode(),
                        "B: a guest gets the form");
                assertEquals(
                        303,
                        page(b, "one.test", "GET", "/login", null, new HashMap<>(signedIn))
                                .statusCode(),
                        "B: the signed-in user is sent home from /login");

                // Signed out on B (with the form token A rendered): A no longer accepts the cookie.
                var signOut = page(
                        b, "one.test", "POST", "/logout", "csrf_token=" + enc(csrf(homeA)), new HashMap<>(signedIn));
                assertEquals(
                        303,
                        signOut.statusCode(),
                        "B signs out with A's session and A's form token: " + signOut.body());
                var afterOnA = page(a, "one.test", "GET", "/", null, new HashMap<>(signedIn));
                assertFalse(
                        afterOnA.body().contains("data-testid=\"signed-in-user\""),
                        "A no longer accepts the ended session");
                assertEquals(
                        200,
                        page(a, "one.test", "GET", "/login", null, new HashMap<>(signedIn))
                                .statusCode(),
                        "A: the old cookie is a guest's");

                // A settings change (made through the CLI: one more instance sharing the database and Redis) is seen by
                // A and B: the tenant's runtime, with its settings snapshot, is replaced on every instance.
                long settingSent = System.nanoTime();
                CliRun settingRun = CliRun.run(
                        setup, "setting-update", "--tenant", id, "-k", "website_name", "-v", "Propagated Name");
                assertEquals(0, settingRun.exitCode(), settingRun.toString());
                long settingStored = System.nanoTime();
                double settingMs = millisUntil(
                        settingStored,
                        () -> page(b, "one.test", "GET", "/", null, new HashMap<>())
                                        .body()
                                        .contains("Propagated Name")
                                && page(a, "one.test", "GET", "/", null, new HashMap<>())
                                        .body()
                                        .contains("Propagated Name"),
                        "A and B show the new site name");
                double settingCliMs = (settingStored - settingSent) / 1_000_000.0;
                CliRun keyForAdmin = CliRun.run(setup, "api-key-create", "--tenant", id, "-u", "admin");
                assertEquals(0, keyForAdmin.exitCode(), keyForAdmin.toString());
                String oldSiteImage = uploadedPublicId(b, "one.test", keyForAdmin.lastLine());

                // Renamed through A: B serves two.test (cached as unknown before) and no longer one.test (cached as
                // found).
                assertEquals(
                        404,
                        page(b, "two.test", "GET", "/", null, new HashMap<>()).statusCode(),
                        "B: two.test unknown before");
                assertEquals(
                        200,
                        page(b, "one.test", "GET", "/", null, new HashMap<>()).statusCode());
                long renameSent = System.nanoTime();
                var rename = api(a, "PATCH", "/tenants/" + id, "{\"hostname\":\"two.test\"}");
                double renameAckMs = millisSince(renameSent);
                assertEquals(204, rename.statusCode(), rename.body());
                double renameMs = millisUntil(
                        renameSent,
                        () -> page(b, "two.test", "GET", "/", null, new HashMap<>())
                                                .statusCode()
                                        == 200
                                && page(b, "one.test", "GET", "/", null, new HashMap<>())
                                                .statusCode()
                                        == 404,
                        "B serves two.test and not one.test");

                // Disabled through A: B answers 503 for it.
                long disableSent = System.nanoTime();
                var disable = api(a, "PATCH", "/tenants/" + id, "{\"is_enabled\":false}");
                double disableAckMs = millisSince(disableSent);
                assertEquals(204, disable.statusCode(), disable.body());
                double disableMs = millisUntil(
                        disableSent,
                        () -> page(b, "two.test", "GET", "/", null, new HashMap<>())
                                        .statusCode()
                                == 503,
                        "B answers 503 for the disabled tenant");

                // Deleted and re-created with the same id and host name through A: B serves the new, uninstalled site
                // (it
                // had the old one's runtime, installed), and once installed, its public ids use the new site's salt.
                var deleted = api(a, "DELETE", "/tenants/" + id, "{\"drop_tables\":true}");
                assertEquals(204, deleted.statusCode(), deleted.body());
                var recreated = api(
                        a, "POST", "/tenants", "{\"id\":\"" + id + "\",\"hostname\":\"two.test\",\"is_enabled\":true}");
                assertEquals(201, recreated.statusCode(), recreated.body());
                long recreatedAt = System.nanoTime();
                double recreateMs = millisUntil(
                        recreatedAt,
                        () -> {
                            var home = page(b, "two.test", "GET", "/", null, new HashMap<>());
                            return home.statusCode() == 302
                                    && "/install"
                                            .equals(home.headers()
                                                    .firstValue("Location")
                                                    .orElse(""));
                        },
                        "B sends the re-created site to its installer");
                var reinstalled = api(
                        a,
                        "POST",
                        "/tenants/" + id + "/install",
                        "{\"username\":\"admin\",\"email\":\"admin@example.com\",\"password\":\"" + PASSWORD + "\"}");
                assertEquals(201, reinstalled.statusCode(), reinstalled.body());
                CliRun newKey = CliRun.run(setup, "api-key-create", "--tenant", id, "-u", "admin");
                assertEquals(0, newKey.exitCode(), newKey.toString());
                String newSiteImage = uploadedPublicId(b, "two.test", newKey.lastLine());
                assertNotEquals(
                        oldSiteImage,
                        newSiteImage,
                        "the first image of the re-created site is encoded with its new salt, not the deleted site's");

                String figures = String.format(
                        Locale.ROOT,
                        "%s: change through A seen by B after: create %.1f ms (from A's 201), rename %.1f ms (PATCH answered in %.1f ms),"
                                + " disable %.1f ms (PATCH answered in %.1f ms), delete + re-create %.1f ms (from A's 201);"
                                + " a setting changed by the CLI seen by A and B %.1f ms after it was stored (the command took %.0f ms);"
                                + " both processes ready %.1f s after the test began; redis %s",
                        kind,
                        createMs,
                        renameMs,
                        renameAckMs,
                        disableMs,
                        disableAckMs,
                        recreateMs,
                        settingMs,
                        settingCliMs,
                        startedMs / 1000,
                        redis.url());
                System.out.println(figures);
                Files.writeString(
                        LOGS.resolve("timings.txt"),
                        figures + System.lineSeparator(),
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                long limit = PROPAGATION_LIMIT.toMillis();
                assertTrue(
                        createMs < limit,
                        "B saw the new tenant " + createMs + " ms after A created it; limit " + limit + " ms");
                assertTrue(
                        renameMs < limit,
                        "B saw the new host name " + renameMs + " ms after the PATCH was sent to A; limit " + limit
                                + " ms");
                assertTrue(
                        disableMs < limit,
                        "B saw the tenant disabled " + disableMs + " ms after the PATCH was sent to A; limit " + limit
                                + " ms");
                assertTrue(
                        settingMs < limit,
                        "A and B saw the new setting " + settingMs + " ms after it was stored; limit " + limit + " ms");
                assertTrue(
                        recreateMs < limit,
                        "B saw the re-created tenant " + recreateMs + " ms after it was created; limit " + limit
                                + " ms");
            } finally {
                for (ServeProcess process : processes) {
                    process.stop();
                }
            }
        }
    }

    /** A condition checked over HTTP. */
    private interface Check {
        boolean holds() throws Exception;
    }

    /**
     * Milliseconds from {@code startNanos} until {@code check} holds, checking about every 10 ms; fails after
     * {@link #POLL_GIVE_UP}.
     */
    private static double millisUntil(long startNanos, Check check, String what) throws Exception {
        long giveUp = startNanos + POLL_GIVE_UP.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > giveUp) {
                fail(what + ": not seen within " + POLL_GIVE_UP.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
        return millisSince(startNanos);
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000.0;
    }

    /** Uploads a small PNG to {@code to} for {@code host} through API v1 with a user's key; returns its public id. */
    private String uploadedPublicId(ServeProcess to, String host, String apiKey) throws Exception {
        String base64 = java.util.Base64.getEncoder().encodeToString(dev.tesela.testing.TestImages.png(16, 16, 7));
        var uploaded = dev.tesela.testing.HostRequests.send(
                http,
                to.port,
                host,
                "POST",
                "/api/1/upload",
                "source=" + enc(base64),
                new HashMap<>(),
                Map.of("X-API-Key", apiKey));
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        String id = new tools.jackson.databind.ObjectMapper()
                .readTree(uploaded.body())
                .path("image")
                .path("id_encoded")
                .asString();
        assertFalse(id.isEmpty(), uploaded.body());
        return id;
    }

    /** A Tenants API request to {@code to} on the internal host name. */
    private HttpResponse<String> api(ServeProcess to, String method, String path, String json) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port + TenantsApiRoutes.BASE + path))
                .timeout(Duration.ofSeconds(20))
                .header("Host", "localhost")
                .header("X-API-Key", apiKey)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One request to {@code to} with {@code Host: host}; cookies from {@code jar}, Set-Cookie written back to it. */
    private HttpResponse<String> page(
            ServeProcess to, String host, String method, String path, String form, Map<String, String> jar)
            throws Exception {
        return dev.tesela.testing.HostRequests.send(http, to.port, host, method, path, form, jar, Map.of());
    }
}
