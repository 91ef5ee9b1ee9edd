package dev.tesela.tenancy;

import static dev.tesela.testing.HostRequests.csrf;
import static dev.tesela.testing.HostRequests.enc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.Main;
import dev.tesela.platform.security.Crypto;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.PrivateRedis;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Provider mode with two real {@code serve} processes (separate JVMs) sharing one database and one Redis, as
 * behind a load balancer: a tenant created, renamed and disabled through instance A's Tenants API is served,
 * renamed and disabled on instance B within 250 ms (the Redis cache bus), and a session opened on A is valid on B
 * and, ended on B, is ended on A too.
 *
 * <p>Each instance has a data dir of its own: nothing here stores files, and separate dirs show that the registry,
 * sessions and keys live only in the shared database and Redis (the encryption key is shared through the
 * environment, as it must be). Uploads across instances would need one file store (shared disk or S3). The
 * instances' logs, a private redis-server's log and the measured times are left in {@code target/two-instances/}.
 */
class TwoInstancesTest {
    private static final Duration PROPAGATION_LIMIT = Duration.ofMillis(250);
    private static final Duration POLL_GIVE_UP = Duration.ofSeconds(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Path LOGS = Path.of("target", "two-instances").toAbsolutePath();
    private static final Pattern LISTENING = Pattern.compile("listening on http://[^ ]+:(\\d+) ");
    private static final String SIGNED_IN_AS_ADMIN = "data-testid=\"signed-in-user\">admin<";
    private static final String PASSWORD = "a long password";
    private static PrivateRedis redis;
    /** The Tenants API key of the current run. */
    private String apiKey;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

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
    @EnumSource(value = TestDatabase.Kind.class, names = {"MARIADB", "POSTGRES"})
    @Timeout(value = 100, unit = TimeUnit.SECONDS)
    void aTenantManagedThroughOneProcessIsServedByTheOtherAndSessionsAreShared(TestDatabase.Kind kind) throws Exception {
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

            List<Serve> processes = new ArrayList<>();
            try {
                Serve a = Serve.start(label + "-a", TestApps.env(db, provider));
                processes.add(a);
                Serve b = Serve.start(label + "-b", TestApps.env(db, provider));
                processes.add(b);
                a.awaitReady(http);
                b.awaitReady(http);
                double startedMs = millisSince(testStarted);

                String id = "t" + Crypto.randomBase62(8).toLowerCase(Locale.ROOT);
                assertEquals(404, page(b, "one.test", "GET", "/", null, new HashMap<>()).statusCode(), "B: one.test unknown at first");

                // Created through A: B stops answering 404 for it (it had cached "unknown").
                var created = api(a, "POST", "/tenants", "{\"id\":\"" + id + "\",\"hostname\":\"one.test\",\"is_enabled\":true}");
                assertEquals(201, created.statusCode(), created.body());
                long createdAt = System.nanoTime();
                double createMs = millisUntil(createdAt, () -> page(b, "one.test", "GET", "/", null, new HashMap<>()).statusCode() != 404,
                        "B serves the new tenant one.test");
                var installed = api(a, "POST", "/tenants/" + id + "/install",
                        "{\"username\":\"admin\",\"email\":\"admin@example.com\",\"password\":\"" + PASSWORD + "\"}");
                assertEquals(201, installed.statusCode(), installed.body());
                var homeOnB = page(b, "one.test", "GET", "/", null, new HashMap<>());
                assertEquals(200, homeOnB.statusCode(), "B serves the installed tenant");
                assertTrue(homeOnB.body().contains("href=\"/login\""), "B shows the tenant's home page to a guest");

                // Signed in on A, the session cookie signs the browser in on B.
                Map<String, String> jar = new HashMap<>();
                String guestCsrf = csrf(page(a, "one.test", "GET", "/login", null, jar).body());
                var signIn = page(a, "one.test", "POST", "/login",
                        "login=admin&password=" + enc(PASSWORD) + "&csrf_token=" + enc(guestCsrf), jar);
                assertEquals(303, signIn.statusCode(), signIn.body());
                assertTrue(jar.containsKey("tsl_session"), "A set a session cookie");
                Map<String, String> signedIn = Map.copyOf(jar);
                String homeA = page(a, "one.test", "GET", "/", null, new HashMap<>(signedIn)).body();
                assertTrue(homeA.contains(SIGNED_IN_AS_ADMIN), "signed in on A");
                assertTrue(page(b, "one.test", "GET", "/", null, new HashMap<>(signedIn)).body().contains(SIGNED_IN_AS_ADMIN),
                        "A's session cookie signs in on B");
                assertEquals(200, page(b, "one.test", "GET", "/login", null, new HashMap<>()).statusCode(), "B: a guest gets the form");
                assertEquals(303, page(b, "one.test", "GET", "/login", null, new HashMap<>(signedIn)).statusCode(),
                        "B: the signed-in user is sent home from /login");

                // Signed out on B (with the form token A rendered): A no longer accepts the cookie.
                var signOut = page(b, "one.test", "POST", "/logout", "csrf_token=" + enc(csrf(homeA)), new HashMap<>(signedIn));
                assertEquals(303, signOut.statusCode(), "B signs out with A's session and A's form token: " + signOut.body());
                var afterOnA = page(a, "one.test", "GET", "/", null, new HashMap<>(signedIn));
                assertFalse(afterOnA.body().contains("data-testid=\"signed-in-user\""), "A no longer accepts the ended session");
                assertEquals(200, page(a, "one.test", "GET", "/login", null, new HashMap<>(signedIn)).statusCode(),
                        "A: the old cookie is a guest's");

                // Renamed through A: B serves two.test (cached as unknown before) and no longer one.test (cached as found).
                assertEquals(404, page(b, "two.test", "GET", "/", null, new HashMap<>()).statusCode(), "B: two.test unknown before");
                assertEquals(200, page(b, "one.test", "GET", "/", null, new HashMap<>()).statusCode());
                long renameSent = System.nanoTime();
                var rename = api(a, "PATCH", "/tenants/" + id, "{\"hostname\":\"two.test\"}");
                double renameAckMs = millisSince(renameSent);
                assertEquals(204, rename.statusCode(), rename.body());
                double renameMs = millisUntil(renameSent,
                        () -> page(b, "two.test", "GET", "/", null, new HashMap<>()).statusCode() == 200
                                && page(b, "one.test", "GET", "/", null, new HashMap<>()).statusCode() == 404,
                        "B serves two.test and not one.test");

                // Disabled through A: B answers 503 for it.
                long disableSent = System.nanoTime();
                var disable = api(a, "PATCH", "/tenants/" + id, "{\"is_enabled\":false}");
                double disableAckMs = millisSince(disableSent);
                assertEquals(204, disable.statusCode(), disable.body());
                double disableMs = millisUntil(disableSent, () -> page(b, "two.test", "GET", "/", null, new HashMap<>()).statusCode() == 503,
                        "B answers 503 for the disabled tenant");

                String figures = String.format(Locale.ROOT,
                        "%s: change through A seen by B after: create %.1f ms (from A's 201), rename %.1f ms (PATCH answered in %.1f ms),"
                                + " disable %.1f ms (PATCH answered in %.1f ms); both processes ready %.1f s after the test began;"
                                + " redis %s",
                        kind, createMs, renameMs, renameAckMs, disableMs, disableAckMs, startedMs / 1000, redis.url());
                System.out.println(figures);
                Files.writeString(LOGS.resolve("timings.txt"), figures + System.lineSeparator(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                long limit = PROPAGATION_LIMIT.toMillis();
                assertTrue(createMs < limit, "B saw the new tenant " + createMs + " ms after A created it; limit " + limit + " ms");
                assertTrue(renameMs < limit, "B saw the new host name " + renameMs + " ms after the PATCH was sent to A; limit " + limit + " ms");
                assertTrue(disableMs < limit, "B saw the tenant disabled " + disableMs + " ms after the PATCH was sent to A; limit " + limit + " ms");
            } finally {
                for (Serve process : processes) {
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

    /** A Tenants API request to {@code to} on the internal host name. */
    private HttpResponse<String> api(Serve to, String method, String path, String json) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port + TenantsApiRoutes.BASE + path))
                .timeout(Duration.ofSeconds(20))
                .header("Host", "localhost")
                .header("X-API-Key", apiKey)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One request to {@code to} with {@code Host: host}; cookies from {@code jar}, Set-Cookie written back to it. */
    private HttpResponse<String> page(Serve to, String host, String method, String path, String form, Map<String, String> jar)
            throws Exception {
        return dev.tesela.testing.HostRequests.send(http, to.port, host, method, path, form, jar, Map.of());
    }


    /**
     * One {@code serve} process: this JVM's {@code java} and class path, the real main class, its own data dir,
     * port 0 (the port it bound is read from its log, so two processes can never race for one port), stdout and
     * stderr in {@code target/two-instances/<name>.log}. Killed by {@link #stop()}, or at the latest when the test
     * JVM exits.
     */
    private static final class Serve {
        private final String name;
        private final Process process;
        private final Path log;
        private final Thread killOnExit;
        private int port;

        private Serve(String name, Process process, Path log) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.killOnExit = new Thread(process::destroyForcibly, "kill-" + name);
            Runtime.getRuntime().addShutdownHook(killOnExit);
        }

        static Serve start(String name, Map<String, String> env) throws IOException {
            Path log = LOGS.resolve(name + ".log");
            Files.deleteIfExists(log);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // C1 only (TieredStopAtLevel=1): a server that answers a few dozen requests never profits from C2, and on
            // a small shared CI machine this halves the time two JVMs need to start side by side.
            ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Xshare:auto", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve");
            // Only this test's TESELA_* settings: none of the developer's or CI's own may leak into the servers.
            builder.environment().keySet().removeIf(k -> k.startsWith("TESELA_"));
            builder.environment().putAll(env);
            builder.directory(Path.of(env.get("TESELA_DATA_DIR")).toFile());
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            return new Serve(name, builder.start(), log);
        }

        /** Waits (bounded) for the log line naming the port, then for {@code /healthz} to answer 200. */
        void awaitReady(HttpClient http) throws Exception {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (port == 0) {
                Matcher m = LISTENING.matcher(Files.readString(log));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
                if (!process.isAlive()) {
                    fail(name + " exited with " + process.exitValue() + " before listening:\n" + tail());
                }
                if (System.nanoTime() > deadline) {
                    fail(name + " did not listen within " + START_TIMEOUT.toSeconds() + " s:\n" + tail());
                }
                Thread.sleep(50);
            }
            var healthz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(5)).build();
            while (true) {
                try {
                    if (http.send(healthz, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not accepting yet
                }
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    fail(name + " did not answer /healthz on port " + port + ":\n" + tail());
                }
                Thread.sleep(50);
            }
        }

        /** Asks the process to stop (SIGTERM: its shutdown hook closes the server), then kills it after 5 s. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException exiting) {
                // the JVM is already shutting down: the hook runs anyway and finds the process gone
            }
        }

        private String tail() throws IOException {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
    }
}
