package dev.tesela.tenancy;

import static dev.tesela.testing.HostRequests.csrf;
import static dev.tesela.testing.HostRequests.enc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantResolver.Resolution;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.web.WebServer;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Provider mode with table isolation: two tenants in one database, served by host name. Whatever credential of
 * tenant A is presented on tenant B's host, nothing of A is returned or changed; and a change made through one
 * instance reaches another through Redis.
 */
class ProviderModeTest {
    private final HttpClient http =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    static Map<String, String> providerEnv(String encryptionKey) {
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_TENANTS_ENABLED", "1");
        env.put("TESELA_REDIS_URL", "redis://127.0.0.1:6379");
        env.put("TESELA_ENCRYPTION_KEY", encryptionKey);
        env.put("TESELA_PROVIDER_NAME", "Test provider");
        env.put("TESELA_PROVIDER_URL", "https://provider.example");
        return env;
    }

    static String newKey() {
        return java.util.Base64.getEncoder().encodeToString(Crypto.randomBytes(32));
    }

    /** How the two tenants of the isolation test are placed. */
    enum Layout {
        /** Both in the shared database, each under its table prefix. */
        TABLES,
        /** Each in a database of its own. */
        DATABASES,
        /** A in the shared database, B in its own: the mixed installation. */
        MIXED;

        Map<String, String> envOf(char tenant) {
            boolean own = this == DATABASES || (this == MIXED && tenant == 'b');
            return own ? Map.of("TESELA_TENANTS_DB_ISOLATION_MODE", "database") : Map.of();
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> vendorsAndLayouts() {
        return java.util.Arrays.stream(TestDatabase.Kind.values())
                .flatMap(kind -> java.util.Arrays.stream(Layout.values())
                        .map(layout -> org.junit.jupiter.params.provider.Arguments.of(kind, layout)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @org.junit.jupiter.params.provider.MethodSource("vendorsAndLayouts")
    void credentialsOfOneTenantAreWorthlessOnAnother(TestDatabase.Kind kind, Layout layout) throws Exception {
        Services.requireRedis();
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(db, providerEnv(newKey()))) {
            String suffix = Crypto.randomBase62(6).toLowerCase();
            String hostA = "a-" + suffix + ".test";
            String hostB = "b-" + suffix + ".test";
            app.registry().create(new CreateTenant("a" + suffix, hostA, true, null, null, layout.envOf('a')));
            app.registry().create(new CreateTenant("b" + suffix, hostB, true, null, null, layout.envOf('b')));
            assertEquals(
                    layout != Layout.TABLES,
                    app.registry().get("b" + suffix).placement().ownDatabase(),
                    "B as laid out");
            assertEquals(
                    layout == Layout.DATABASES,
                    app.registry().get("a" + suffix).placement().ownDatabase(),
                    "A as laid out");
            TenantContext a = app.tenants().byId("a" + suffix).orElseThrow();
            TenantContext b = app.tenants().byId("b" + suffix).orElseThrow();
            app.installs()
                    .install(app.systemContext(a), new InstallCommand("alice", "alice@example.com", "alice password"));
            app.installs().install(app.systemContext(b), new InstallCommand("bob", "bob@example.com", "bob password"));
            String aliceKey = app.accounts().createApiKey(app.systemContext(a), "alice", "test");

            WebServer server = app.webServer();
            int port = server.start();
            try {
                // Alice signs in on A, asking to be remembered.
                Map<String, String> jar = new HashMap<>();
                String loginPage = send(port, hostA, "GET", "/login", null, jar).body();
                String csrfA = csrf(loginPage);
                var signedIn = send(
                        port,
                        hostA,
                        "POST",
                        "/login",
                        "login=alice&password=" + enc("alice password") + "&remember=on&csrf_token=" + enc(csrfA),
                        jar);
                assertEquals(303, signedIn.statusCode());
                assertTrue(jar.containsKey("tsl_session") && jar.containsKey("tsl_remember"));
                String homeA = send(port, hostA, "GET", "/", null, jar).body();
                assertTrue(homeA.contains(">alice<"), "signed in on A");
                String signedInCsrfA = csrf(homeA);

                // A's session and remember-me cookies on B's host: a guest, and nothing of A.
                var homeB = send(port, hostB, "GET", "/", null, new HashMap<>(jar));
                assertEquals(200, homeB.statusCode());
                assertFalse(homeB.body().contains("alice"), "nothing of A on B");
                assertTrue(homeB.body().contains("href=\"/login\""), "a guest on B");
                Map<String, String> rememberOnly = new HashMap<>(Map.of("tsl_remember", jar.get("tsl_remember")));
                var viaRemember = send(port, hostB, "GET", "/", null, rememberOnly);
                assertFalse(viaRemember.body().contains("alice"));
                assertTrue(
                        viaRemember.headers().allValues("set-cookie").stream()
                                .anyMatch(c -> c.startsWith("tsl_remember=;")),
                        "the foreign remember-me cookie is cleared");

                // A's CSRF token and session on B: refused, and A's session survives (nothing of A changed).
                var logoutOnB =
                        send(port, hostB, "POST", "/logout", "csrf_token=" + enc(signedInCsrfA), new HashMap<>(jar));
                assertEquals(403, logoutOnB.statusCode());
                assertTrue(send(port, hostA, "GET", "/", null, jar).body().contains(">alice<"), "still signed in on A");

                // A's API key on B's host: a guest; A's users do not exist on B.
                var withKey = send(port, hostB, "GET", "/", null, new HashMap<>(), Map.of("X-API-Key", aliceKey));
                assertFalse(withKey.body().contains("alice"));
                assertTrue(app.accounts().authenticateApiKey(b, aliceKey).isEmpty());
                assertTrue(app.accounts().authenticateApiKey(a, aliceKey).isPresent());
                Map<String, String> jarB = new HashMap<>();
                String csrfB =
                        csrf(send(port, hostB, "GET", "/login", null, jarB).body());
                var aliceOnB = send(
                        port,
                        hostB,
                        "POST",
                        "/login",
                        "login=alice&password=" + enc("alice password") + "&csrf_token=" + enc(csrfB),
                        jarB);
                assertEquals(401, aliceOnB.statusCode(), "alice has no account on B");

                // The guest CSRF cookie and token of A do not pass on B either.
                Map<String, String> guestA = new HashMap<>();
                String guestCsrfA =
                        csrf(send(port, hostA, "GET", "/login", null, guestA).body());
                var crossPost = send(
                        port,
                        hostB,
                        "POST",
                        "/login",
                        "login=bob&password=" + enc("bob password") + "&csrf_token=" + enc(guestCsrfA),
                        guestA);
                assertEquals(403, crossPost.statusCode());

                // Media: A's upload (by API key), its files, viewer, delete link and key — none of it on B.
                String png =
                        java.util.Base64.getEncoder().encodeToString(dev.tesela.testing.TestImages.png(700, 300, 7));
                var uploaded = send(
                        port,
                        hostA,
                        "POST",
                        "/api/1/upload",
                        "key=" + enc(aliceKey) + "&source=" + enc(png),
                        new HashMap<>());
                assertEquals(200, uploaded.statusCode(), uploaded.body());
                var image = tools.jackson.databind.json.JsonMapper.builder()
                        .build()
                        .readTree(uploaded.body())
                        .get("image");
                String fileA = URI.create(image.get("url").asString()).getRawPath();
                String thumbA =
                        URI.create(image.get("thumb").get("url").asString()).getRawPath();
                String deleteA = URI.create(image.get("delete_url").asString()).getRawPath();
                assertTrue(
                        image.get("url").asString().startsWith("http://" + hostA + "/images/"), "links carry A's host");
                assertEquals(
                        200,
                        send(port, hostA, "GET", fileA, null, new HashMap<>()).statusCode());
                assertEquals(
                        200,
                        send(port, hostA, "GET", image.get("path_viewer").asString(), null, new HashMap<>())
                                .statusCode());
                for (String path : List.of(
                        fileA,
                        thumbA,
                        image.get("path_viewer").asString(),
                        "/image/" + image.get("id_encoded").asString(),
                        deleteA)) {
                    assertEquals(
                            404,
                            send(port, hostB, "GET", path, null, new HashMap<>())
                                    .statusCode(),
                            path + " on B");
                }
                Map<String, String> jarDel = new HashMap<>();
                String delCsrfB =
                        csrf(send(port, hostB, "GET", "/login", null, jarDel).body());
                assertEquals(
                        404,
                        send(port, hostB, "POST", deleteA, "csrf_token=" + enc(delCsrfB), jarDel)
                                .statusCode());
                var keyOnB = send(
                        port,
                        hostB,
                        "POST",
                        "/api/1/upload",
                        "key=" + enc(aliceKey) + "&source=" + enc(png),
                        new HashMap<>());
                assertEquals(400, keyOnB.statusCode());
                assertTrue(keyOnB.body().contains("\"code\":100"), keyOnB.body());
                assertEquals(
                        200,
                        send(port, hostA, "GET", fileA, null, new HashMap<>()).statusCode(),
                        "A's file untouched");

                // Unknown hosts and the internal host name serve no tenant.
                assertEquals(
                        404,
                        send(port, "unknown-" + suffix + ".test", "GET", "/", null, new HashMap<>())
                                .statusCode());
                assertEquals(
                        404,
                        send(port, "localhost", "GET", "/", null, new HashMap<>())
                                .statusCode());
            } finally {
                server.stop();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TestDatabase.Kind.class,
            names = {"MARIADB", "POSTGRES"})
    void aChangeThroughOneInstanceReachesAnotherWithin250msAndSessionsAreShared(TestDatabase.Kind kind)
            throws Exception {
        Services.requireRedis();
        String key = newKey();
        try (TestDatabase db = TestDatabase.create(kind);
                App one = TestApps.migratedApp(db, providerEnv(key));
                App two = TestApps.migratedApp(db, providerEnv(key))) {
            String id = "c" + Crypto.randomBase62(8).toLowerCase();
            String host = id + ".test";
            one.registry().create(new CreateTenant(id, host, true, null, null, Map.of()));
            assertInstanceOf(Resolution.Found.class, two.tenants().resolve(host), "instance two finds the new tenant");

            long started = System.nanoTime();
            one.registry()
                    .edit(new EditTenant(
                            id,
                            Optional.empty(),
                            Optional.of(false),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()));
            long deadline = started + Duration.ofSeconds(2).toNanos();
            while (!(two.tenants().resolve(host) instanceof Resolution.Disabled) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertInstanceOf(
                    Resolution.Disabled.class, two.tenants().resolve(host), "instance two saw the tenant disabled");
            assertTrue(elapsedMs < 250, "instance two saw the change after " + elapsedMs + " ms");

            one.registry()
                    .edit(new EditTenant(
                            id,
                            Optional.empty(),
                            Optional.of(true),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()));
            TenantContext onOne = one.tenants().byId(id).orElseThrow();
            TenantContext onTwo = two.tenants().byId(id).orElseThrow();
            one.installs()
                    .install(
                            one.systemContext(onOne),
                            new InstallCommand("carol", "carol@example.com", "carol password"));
            var session = one.accounts()
                    .signIn(
                            new RequestContext(onOne, Principal.GUEST, "t", "10.9.9.9"),
                            new SignIn("carol", "carol password", false, null));
            assertEquals(
                    "carol",
                    two.accounts()
                            .authenticateSession(onTwo, session.sessionToken(), "10.9.9.9", null)
                            .orElseThrow()
                            .username(),
                    "a session made on one instance is valid on the other");
        }
    }

    private HttpResponse<String> send(
            int port, String host, String method, String path, String form, Map<String, String> jar) throws Exception {
        return send(port, host, method, path, form, jar, Map.of());
    }

    /** One request to the server with {@code Host: host}; cookies from {@code jar}, Set-Cookie written back to it. */
    private HttpResponse<String> send(
            int port,
            String host,
            String method,
            String path,
            String form,
            Map<String, String> jar,
            Map<String, String> headers)
            throws Exception {
        return dev.tesela.testing.HostRequests.send(http, port, host, method, path, form, jar, headers);
    }
}
