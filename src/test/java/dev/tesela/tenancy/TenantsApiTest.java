package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.account.AccountCommands.SignedIn;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.media.UploadRequest;
import dev.tesela.media.UploadSource;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.IpAllowList;
import dev.tesela.platform.web.WebServer;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Tenants API over real HTTP: the guards in order (host, key, signature), then tenants and plans managed
 * end to end, a tenant installed through it, and keys that expire or are deleted stop working; a user's password
 * reset in one tenant only; the Traefik document and its own guards (fixed allow list, no signature).
 */
class TenantsApiTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SECRET = "request-signing-secret-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void guardsThenTenantsAndPlansEndToEnd() throws Exception {
        Services.requireRedis();
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        env.put("TESELA_TENANTS_API_REQUEST_SECRET", SECRET);
        env.put("TESELA_TENANTS_API_IP_ALLOW_LIST", "127.0.0.0/8, ::1");
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, env)) {
            String key = app.tenantApiKeys().create("automation", null);
            WebServer server = app.webServer();
            int port = server.start();
            try {
                // Guards, in order.
                assertEquals(
                        404,
                        send(port, "tenant.example", "POST", "/auth/verify", "", key, true)
                                .statusCode(),
                        "not on a tenant's host");
                assertEquals(
                        401,
                        send(port, "localhost", "POST", "/auth/verify", "", null, true)
                                .statusCode());
                var forged = send(port, "localhost", "POST", "/auth/verify", "", forged(key), true);
                assertEquals(401, forged.statusCode());
                assertEquals(
                        "Invalid API key.",
                        JSON.readTree(forged.body()).get("error").get("message").asString(),
                        "errors are JSON without asking: " + forged.body());
                var unsigned = send(port, "localhost", "POST", "/auth/verify", "", key, false);
                assertEquals(401, unsigned.statusCode());
                assertTrue(unsigned.body().contains("Missing X-Signature"), unsigned.body());
                var badSignature = send(port, "localhost", "POST", "/auth/verify", "{}", key, "00".repeat(32));
                assertTrue(badSignature.body().contains("Invalid request signature"), badSignature.body());
                assertEquals(
                        200,
                        send(port, "localhost", "POST", "/auth/verify", "", key, true)
                                .statusCode());

                // Plans and tenants.
                assertEquals(
                        201,
                        send(
                                        port,
                                        "localhost",
                                        "POST",
                                        "/tenants-plans",
                                        "{\"id\":\"basic\",\"limits\":{\"TESELA_MAX_FILES\":100}}",
                                        key,
                                        true)
                                .statusCode());
                String id = "api" + Crypto.randomBase62(5).toLowerCase();
                var created = send(
                        port,
                        "localhost",
                        "POST",
                        "/tenants",
                        "{\"id\":\"" + id + "\",\"hostname\":\"" + id
                                + ".example\",\"is_enabled\":true,\"plan_id\":\"basic\",\"env\":{\"TESELA_SCHEDULER_INTERVAL\":\"60\"}}",
                        key,
                        true);
                assertEquals(201, created.statusCode(), created.body());
                JsonNode tenant = JSON.readTree(created.body());
                assertEquals(100, tenant.get("limits").get("TESELA_MAX_FILES").asInt());
                assertEquals(
                        "60", tenant.get("env").get("TESELA_SCHEDULER_INTERVAL").asString());
                assertEquals(
                        409,
                        send(
                                        port,
                                        "localhost",
                                        "POST",
                                        "/tenants",
                                        "{\"id\":\"" + id + "\",\"hostname\":\"other.example\"}",
                                        key,
                                        true)
                                .statusCode());
                assertEquals(
                        400,
                        send(port, "localhost", "POST", "/tenants", "[1,2]", key, true)
                                .statusCode());

                assertEquals(
                        204,
                        send(
                                        port,
                                        "localhost",
                                        "PATCH",
                                        "/tenants/" + id,
                                        "{\"limits\":{\"TESELA_MAX_FILES\":5}}",
                                        key,
                                        true)
                                .statusCode());
                JsonNode got = JSON.readTree(send(port, "localhost", "GET", "/tenants/" + id, "", key, true)
                        .body());
                assertEquals(
                        5,
                        got.get("limits").get("TESELA_MAX_FILES").asInt(),
                        "the tenant's own limit wins over the plan's");
                assertEquals(
                        201,
                        send(
                                        port,
                                        "localhost",
                                        "POST",
                                        "/tenants/" + id + "/install",
                                        "{\"username\":\"owner\",\"email\":\"owner@example.com\",\"password\":\"a long password\"}",
                                        key,
                                        true)
                                .statusCode());
                assertEquals(
                        409,
                        send(
                                        port,
                                        "localhost",
                                        "POST",
                                        "/tenants/" + id + "/install",
                                        "{\"username\":\"owner\",\"email\":\"owner@example.com\",\"password\":\"a long password\"}",
                                        key,
                                        true)
                                .statusCode());
                assertTrue(app.installs()
                        .isInstalled(app.systemContext(app.tenants().byId(id).orElseThrow())));
                assertEquals(
                        1,
                        JSON.readTree(send(port, "localhost", "GET", "/tenants", "", key, true)
                                        .body())
                                .size());
                assertEquals(
                        404,
                        send(port, "localhost", "GET", "/tenants/nosuch", "", key, true)
                                .statusCode());

                assertEquals(
                        204,
                        send(port, "localhost", "DELETE", "/tenants/" + id, "{\"drop_tables\":true}", key, true)
                                .statusCode());
                assertEquals(
                        404,
                        send(port, "localhost", "GET", "/tenants/" + id, "", key, true)
                                .statusCode());
                assertEquals(
                        204,
                        send(port, "localhost", "DELETE", "/tenants-plans/basic", "", key, true)
                                .statusCode());

                // Deleted and expired keys stop working.
                assertEquals(1, app.tenantApiKeys().delete(null, "automation"));
                assertEquals(
                        401,
                        send(port, "localhost", "POST", "/auth/verify", "", key, true)
                                .statusCode());
            } finally {
                server.stop();
            }
            assertTrue(app.tenantApiKeys()
                    .verify(app.tenantApiKeys().create("soon", Instant.now().plusSeconds(3600)))
                    .isPresent());
        }
    }

    @Test
    void traefikDocumentRoutesEveryTenantAndTheProviderAndOnlyTheFixedAddressesMayFetchIt() throws Exception {
        Services.requireRedis();
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        env.put("TESELA_TENANTS_API_REQUEST_SECRET", SECRET);
        // The configured list admits only 127.0.0.2; the Traefik route ignores it and admits only 127.0.0.1, ::1 and
        // 172.16/12.
        env.put("TESELA_TENANTS_API_IP_ALLOW_LIST", "127.0.0.2");
        env.put("TESELA_INTERNAL_HOSTNAME", "admin.provider.test");
        env.put("TESELA_TRAEFIK_SERVICE_NAME", "tesela-app");
        env.put("TESELA_TRAEFIK_SERVICE_PORT", "8081");
        env.put("TESELA_TRAEFIK_ENTRYPOINT", "websecure");
        env.put("TESELA_TRAEFIK_IP_ALLOW_LIST", "10.0.0.0/8, cloudflare, 2001:db8::/32");
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, env)) {
            String suffix = Crypto.randomBase62(6).toLowerCase();
            app.registry()
                    .create(new TenantCommands.CreateTenant(
                            "a" + suffix, "a-" + suffix + ".test", true, null, null, Map.of()));
            app.registry()
                    .create(new TenantCommands.CreateTenant(
                            "b" + suffix, "b-" + suffix + ".test", true, null, null, Map.of()));
            app.registry()
                    .create(new TenantCommands.CreateTenant(
                            "c" + suffix, "c-" + suffix + ".test", false, null, null, Map.of()));
            String key = app.tenantApiKeys().create("traefik", null);
            WebServer server = app.webServer();
            int port = server.start();
            try {
                String admin = "admin.provider.test";
                var noKey = send(http, port, admin, "GET", "/config/traefik", "", null, null);
                assertEquals(401, noKey.statusCode());
                assertTrue(noKey.body().contains("Missing X-API-Key"), noKey.body());
                assertEquals(
                        401,
                        send(http, port, admin, "GET", "/config/traefik", "", forged(key), null)
                                .statusCode());
                var outsideFixedList = send(fromSecondLoopback(), port, admin, "GET", "/config/traefik", "", key, null);
                assertEquals(
                        403,
                        outsideFixedList.statusCode(),
                        "127.0.0.2 is in the configured list but not in the fixed one");
                assertTrue(
                        outsideFixedList.body().contains("Access denied from your IP address"),
                        outsideFixedList.body());
                assertEquals(
                        403,
                        send(http, port, admin, "POST", "/auth/verify", "", key, signature(""))
                                .statusCode(),
                        "other routes keep the configured list, which 127.0.0.1 is not on");
                assertEquals(
                        200,
                        send(fromSecondLoopback(), port, admin, "POST", "/auth/verify", "", key, signature(""))
                                .statusCode());
                assertEquals(
                        404,
                        send(http, port, "a-" + suffix + ".test", "GET", "/config/traefik", "", key, null)
                                .statusCode(),
                        "not on a tenant's host");

                var answer = send(http, port, admin, "GET", "/config/traefik", "", key, null);
                assertEquals(
                        200,
                        answer.statusCode(),
                        "no X-Signature needed although a request secret is set: " + answer.body());
                assertTrue(
                        answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
                assertTrue(answer.body().contains("\n  \"http\""), "pretty-printed: " + answer.body());
                JsonNode httpPart = JSON.readTree(answer.body()).get("http");

                JsonNode routers = httpPart.get("routers");
                assertEquals(
                        List.of("*", "a" + suffix, "b" + suffix, "c" + suffix),
                        List.copyOf(routers.propertyNames()),
                        "the provider, then every tenant by id, the disabled one too");
                Map<String, String> hostOf = Map.of(
                        "*",
                        admin,
                        "a" + suffix,
                        "a-" + suffix + ".test",
                        "b" + suffix,
                        "b-" + suffix + ".test",
                        "c" + suffix,
                        "c-" + suffix + ".test");
                hostOf.forEach((router, host) -> {
                    JsonNode r = routers.get(router);
                    assertEquals("Host(`" + host + "`)", r.get("rule").asString(), router);
                    assertEquals("tesela-app", r.get("service").asString(), router);
                    assertEquals("[\"websecure\"]", r.get("entryPoints").toString(), router);
                    assertEquals("[\"allow-range\"]", r.get("middlewares").toString(), router);
                });

                JsonNode services = httpPart.get("services");
                assertEquals(List.of("tesela-app"), List.copyOf(services.propertyNames()));
                JsonNode loadBalancer = services.get("tesela-app").get("loadBalancer");
                assertEquals(
                        "[{\"url\":\"http://tesela-app:8081\"}]",
                        loadBalancer.get("servers").toString());
                assertTrue(loadBalancer.get("passHostHeader").asBoolean());

                List<String> sourceRange = new ArrayList<>();
                httpPart.get("middlewares")
                        .get("allow-range")
                        .get("ipAllowList")
                        .get("sourceRange")
                        .forEach(range -> sourceRange.add(range.asString()));
                List<String> expected = new ArrayList<>(List.of("10.0.0.0/8"));
                expected.addAll(TraefikDynamicConfig.cloudflareRanges());
                expected.add("2001:db8::/32");
                assertEquals(expected, sourceRange, "cloudflare expanded in place");
                assertTrue(
                        sourceRange.containsAll(List.of("173.245.48.0/20", "2400:cb00::/32")), sourceRange.toString());

                // The document is read from the registry on every request.
                app.registry()
                        .edit(new TenantCommands.EditTenant(
                                "b" + suffix,
                                Optional.of("moved-" + suffix + ".test"),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                Optional.empty()));
                app.registry().delete("c" + suffix, true);
                JsonNode after = JSON.readTree(send(http, port, admin, "GET", "/config/traefik", "", key, null)
                                .body())
                        .get("http")
                        .get("routers");
                assertEquals(List.of("*", "a" + suffix, "b" + suffix), List.copyOf(after.propertyNames()));
                assertEquals(
                        "Host(`moved-" + suffix + ".test`)",
                        after.get("b" + suffix).get("rule").asString());
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void passwordResetChangesThatTenantsUserOnlyAndEndsItsSessions() throws Exception {
        Services.requireRedis();
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        env.put("TESELA_TENANTS_API_REQUEST_SECRET", SECRET);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, env)) {
            String suffix = Crypto.randomBase62(6).toLowerCase();
            String idA = "a" + suffix;
            String idB = "b" + suffix;
            String idC = "c" + suffix;
            for (String id : List.of(idA, idB, idC)) {
                app.registry().create(new TenantCommands.CreateTenant(id, id + ".test", true, null, null, Map.of()));
            }
            TenantContext a = app.tenants().byId(idA).orElseThrow();
            TenantContext b = app.tenants().byId(idB).orElseThrow();
            // The same username, and the same user id (the first user), in A and B; C is never installed.
            app.installs()
                    .install(app.systemContext(a), new InstallCommand("owner", "owner@a.example", "owner password a"));
            app.installs()
                    .install(app.systemContext(b), new InstallCommand("owner", "owner@b.example", "owner password b"));
            RequestContext visitorA = new RequestContext(a, Principal.GUEST, "test", "10.9.0.1");
            RequestContext visitorB = new RequestContext(b, Principal.GUEST, "test", "10.9.0.2");
            SignedIn onA = app.accounts().signIn(visitorA, new SignIn("owner", "owner password a", true, null));
            SignedIn onB = app.accounts().signIn(visitorB, new SignIn("owner", "owner password b", true, null));
            String key = app.tenantApiKeys().create("resets", null);
            WebServer server = app.webServer();
            int port = server.start();
            try {
                String path = "/tenants/" + idA + "/user-password-reset";
                String chosen = "{\"username\":\"owner\",\"password\":\"a brand new password\"}";
                var unsigned = send(port, "localhost", "PATCH", path, chosen, key, false);
                assertEquals(401, unsigned.statusCode(), "the signature is required here");
                assertTrue(unsigned.body().contains("Missing X-Signature"), unsigned.body());
                assertEquals(
                        401,
                        send(port, "localhost", "PATCH", path, chosen, null, true)
                                .statusCode(),
                        "and the key");
                assertTrue(signsIn(app, visitorA, "owner password a"), "nothing changed by refused requests");

                var reset = send(port, "localhost", "PATCH", path, chosen, key, true);
                assertEquals(200, reset.statusCode(), reset.body());
                JsonNode answer = JSON.readTree(reset.body());
                assertEquals("owner", answer.get("username").asString());
                assertEquals("a brand new password", answer.get("password").asString());
                assertFalse(signsIn(app, visitorA, "owner password a"), "the old password no longer works");
                assertTrue(signsIn(app, visitorA, "a brand new password"));
                assertTrue(
                        app.accounts()
                                .authenticateSession(a, onA.sessionToken(), "10.9.0.1", null)
                                .isEmpty(),
                        "A's session ended");
                assertTrue(
                        app.accounts()
                                .resumeFromLoginCookie(
                                        visitorA, onA.loginCookie().orElseThrow(), null)
                                .isEmpty(),
                        "A's remember-me cookie forgotten");
                assertTrue(
                        app.accounts()
                                .authenticateSession(b, onB.sessionToken(), "10.9.0.2", null)
                                .isPresent(),
                        "B's session lives on");
                assertTrue(app.accounts()
                        .resumeFromLoginCookie(visitorB, onB.loginCookie().orElseThrow(), null)
                        .isPresent());
                assertTrue(signsIn(app, visitorB, "owner password b"), "B's owner keeps their password");
                assertFalse(signsIn(app, visitorB, "a brand new password"));

                // Without a password: a new random one of 16 letters and digits, each time another.
                var generated = send(port, "localhost", "PATCH", path, "{\"username\":\" OWNER \"}", key, true);
                assertEquals(200, generated.statusCode(), generated.body());
                JsonNode made = JSON.readTree(generated.body());
                assertEquals("owner", made.get("username").asString());
                String password = made.get("password").asString();
                assertTrue(password.matches("[A-Za-z0-9]{16}"), password);
                assertTrue(signsIn(app, visitorA, password));
                assertFalse(signsIn(app, visitorA, "a brand new password"));
                String another = JSON.readTree(send(
                                        port,
                                        "localhost",
                                        "PATCH",
                                        path,
                                        "{\"username\":\"owner\",\"password\":null}",
                                        key,
                                        true)
                                .body())
                        .get("password")
                        .asString();
                assertTrue(another.matches("[A-Za-z0-9]{16}") && !another.equals(password), another);
                assertTrue(signsIn(app, visitorA, another));

                // A password sign-up would refuse: 400 naming the field, and the current password still works.
                var tooShort = send(
                        port, "localhost", "PATCH", path, "{\"username\":\"owner\",\"password\":\"short\"}", key, true);
                assertEquals(400, tooShort.statusCode(), tooShort.body());
                assertTrue(
                        JSON.readTree(tooShort.body())
                                .get("error")
                                .get("fields")
                                .has("password"),
                        tooShort.body());
                assertTrue(signsIn(app, visitorA, another), "the refused reset changed nothing");
                var noUsername = send(port, "localhost", "PATCH", path, "{\"password\":\"long enough\"}", key, true);
                assertEquals(400, noUsername.statusCode(), noUsername.body());
                assertTrue(
                        JSON.readTree(noUsername.body())
                                .get("error")
                                .get("fields")
                                .has("username"),
                        noUsername.body());

                assertEquals(
                        404,
                        send(
                                        port,
                                        "localhost",
                                        "PATCH",
                                        "/tenants/nosuch/user-password-reset",
                                        "{\"username\":\"owner\"}",
                                        key,
                                        true)
                                .statusCode(),
                        "unknown tenant");
                var nobody = send(port, "localhost", "PATCH", path, "{\"username\":\"nobody\"}", key, true);
                assertEquals(404, nobody.statusCode(), "unknown user in that tenant: " + nobody.body());
                var notInstalled = send(
                        port,
                        "localhost",
                        "PATCH",
                        "/tenants/" + idC + "/user-password-reset",
                        "{\"username\":\"owner\"}",
                        key,
                        true);
                assertEquals(409, notInstalled.statusCode(), notInstalled.body());
                assertTrue(notInstalled.body().contains("not installed"), notInstalled.body());
                assertTrue(signsIn(app, visitorA, another) && signsIn(app, visitorB, "owner password b"));
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void wrongTypesAndBadLimitsOrEnvAreRefusedNamingEveryFieldAndLeaveNothingBehind() throws Exception {
        Services.requireRedis();
        // No request secret: these requests need no signature.
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, ProviderModeTest.providerEnv(ProviderModeTest.newKey()))) {
            String key = app.tenantApiKeys().create("input", null);
            WebServer server = app.webServer();
            int port = server.start();
            try {
                // Wrong JSON types: 400 naming every wrong field at once, no tenant created.
                JsonNode types = refused(send(
                        port,
                        "localhost",
                        "POST",
                        "/tenants",
                        "{\"id\":[\"x\"],\"hostname\":{\"a\":1},\"is_enabled\":\"banana\",\"plan_id\":7,\"limits\":[1],\"env\":\"x\"}",
                        key,
                        null));
                assertEquals(
                        java.util.Set.of("id", "hostname", "is_enabled", "plan_id", "limits", "env"),
                        fieldNames(types),
                        types.toString());
                assertTrue(types.get("is_enabled").asString().contains("true or false"), types.toString());
                assertFalse(types.toString().contains("Exception"), "no Java class names: " + types);

                // Limits and env: every unknown key and bad value, named by key, with the other fields' problems.
                JsonNode limits = refused(send(
                        port,
                        "localhost",
                        "POST",
                        "/tenants",
                        "{\"id\":\"Bad!\",\"hostname\":\"ok.example\","
                                + "\"limits\":{\"TESELA_MAX_WIDGETS\":1,\"TESELA_MAX_FILES\":\"lots\",\"TESELA_MAX_USERS\":-5,"
                                + "\"TESELA_MAX_ALBUMS\":99999999999999999999,\"TESELA_MAX_TAGS\":2.5,\"TESELA_MAX_UPLOAD_SIZE\":\"99999999999G\"},"
                                + "\"env\":{\"TESELA_NOPE\":\"1\",\"TESELA_MAX_FILES\":\"3\",\"TESELA_SCHEDULER_INTERVAL\":\"soon\",\"TESELA_DB_NAME\":[1]}}",
                        key,
                        null));
                assertEquals(
                        java.util.Set.of(
                                "id",
                                "limits.TESELA_MAX_WIDGETS",
                                "limits.TESELA_MAX_FILES",
                                "limits.TESELA_MAX_USERS",
                                "limits.TESELA_MAX_ALBUMS",
                                "limits.TESELA_MAX_TAGS",
                                "limits.TESELA_MAX_UPLOAD_SIZE",
                                "env.TESELA_NOPE",
                                "env.TESELA_MAX_FILES",
                                "env.TESELA_SCHEDULER_INTERVAL",
                                "env.TESELA_DB_NAME"),
                        fieldNames(limits),
                        limits.toString());
                assertTrue(limits.get("limits.TESELA_MAX_FILES").asString().contains("'lots'"), limits.toString());
                assertTrue(
                        limits.get("limits.TESELA_MAX_USERS").asString().contains("from 0 (no limit)"),
                        limits.toString());
                assertTrue(
                        limits.get("env.TESELA_MAX_FILES").asString().contains("set it in the limits"),
                        limits.toString());
                assertEquals(
                        "[]",
                        send(port, "localhost", "GET", "/tenants", "", key, null)
                                .body(),
                        "nothing created");
                try (var c = db.connect();
                        var st = c.createStatement();
                        var rs = st.executeQuery("SELECT COUNT(*) FROM tsl__tenants")) {
                    assertTrue(rs.next());
                    assertEquals(0, rs.getInt(1), "no registry row");
                }

                // Valid limits are accepted, shown as written and in force: one file, 20 MiB uploads.
                String id = "in" + Crypto.randomBase62(5).toLowerCase();
                var created = send(
                        port,
                        "localhost",
                        "POST",
                        "/tenants",
                        "{\"id\":\"" + id + "\",\"hostname\":\"" + id + ".example\","
                                + "\"is_enabled\":1,\"limits\":{\"TESELA_MAX_FILES\":\"1\",\"TESELA_MAX_UPLOAD_SIZE\":\"20 MB\"},"
                                + "\"env\":{\"TESELA_SCHEDULER_INTERVAL\":120}}",
                        key,
                        null);
                assertEquals(201, created.statusCode(), created.body());
                assertEquals(
                        "20 MB",
                        JSON.readTree(created.body())
                                .get("limits")
                                .get("TESELA_MAX_UPLOAD_SIZE")
                                .asString());
                TenantContext tenant = app.tenants().byId(id).orElseThrow();
                RequestContext system = app.systemContext(tenant);
                app.installs().install(system, new InstallCommand("owner", "owner@example.com", "owner password"));
                assertEquals(
                        20L * 1024 * 1024,
                        app.tenants()
                                .byId(id)
                                .orElseThrow()
                                .limits()
                                .of(dev.tesela.platform.context.TenantLimits.Limit.UPLOAD_SIZE)
                                .getAsLong());
                app.media().upload(system, upload(dev.tesela.testing.TestImages.png(20, 20, 1)));
                AppException full = org.junit.jupiter.api.Assertions.assertThrows(
                        AppException.class,
                        () -> app.media().upload(system, upload(dev.tesela.testing.TestImages.png(21, 21, 2))));
                assertEquals("Maximum files reached (limit 1).", full.publicMessage());

                // An edit with wrong fields changes nothing.
                JsonNode edit = refused(send(
                        port,
                        "localhost",
                        "PATCH",
                        "/tenants/" + id,
                        "{\"is_enabled\":\"banana\",\"hostname\":\"moved.example\",\"limits\":{\"TESELA_MAX_FILES\":-5}}",
                        key,
                        null));
                assertEquals(
                        java.util.Set.of("is_enabled", "limits.TESELA_MAX_FILES"), fieldNames(edit), edit.toString());
                JsonNode after = JSON.readTree(send(port, "localhost", "GET", "/tenants/" + id, "", key, null)
                        .body());
                assertEquals(
                        id + ".example",
                        after.get("hostname").asString(),
                        "the valid field of a refused edit is not applied either");
                assertEquals("1", after.get("limits").get("TESELA_MAX_FILES").asString());

                // Plans follow the same rules.
                JsonNode plan = refused(send(
                        port,
                        "localhost",
                        "POST",
                        "/tenants-plans",
                        "{\"id\":\"pro\",\"limits\":{\"users\":3,\"TESELA_MAX_FILES\":true},\"env\":{\"TESELA_TENANTS_DB_ISOLATION_MODE\":\"silo\"}}",
                        key,
                        null));
                assertEquals(
                        java.util.Set.of(
                                "limits.users", "limits.TESELA_MAX_FILES", "env.TESELA_TENANTS_DB_ISOLATION_MODE"),
                        fieldNames(plan),
                        plan.toString());
                assertEquals(
                        "[]",
                        send(port, "localhost", "GET", "/tenants-plans", "", key, null)
                                .body(),
                        "no plan created");
                assertEquals(
                        201,
                        send(
                                        port,
                                        "localhost",
                                        "POST",
                                        "/tenants-plans",
                                        "{\"id\":\"pro\",\"limits\":{\"TESELA_MAX_USERS\":3}}",
                                        key,
                                        null)
                                .statusCode());
                JsonNode planEdit = refused(send(
                        port,
                        "localhost",
                        "PATCH",
                        "/tenants-plans/pro",
                        "{\"limits\":{\"TESELA_MAX_USERS\":\"lots\"}}",
                        key,
                        null));
                assertEquals(java.util.Set.of("limits.TESELA_MAX_USERS"), fieldNames(planEdit));
                assertEquals(
                        "{\"TESELA_MAX_USERS\":3}",
                        app.registry().getPlan("pro").limitsJson(),
                        "the plan kept its limits");
                refused(send(port, "localhost", "DELETE", "/tenants/" + id, "{\"drop_tables\":\"yes\"}", key, null));
                assertEquals(
                        200,
                        send(port, "localhost", "GET", "/tenants/" + id, "", key, null)
                                .statusCode(),
                        "a refused delete deletes nothing");

                // A bad value stored before limits were checked is skipped (and logged), not a failed upload.
                try (var c = db.connect();
                        var st = c.prepareStatement("UPDATE tsl__tenants SET limits_json = ? WHERE id = ?")) {
                    st.setString(
                            1,
                            "{\"TESELA_MAX_FILES\": 99999999999999999999, \"TESELA_MAX_UPLOAD_SIZE\": \"lots\", \"users\": 3,"
                                    + " \"TESELA_MAX_TAGS\": [1], \"TESELA_MAX_TAGS_PER_FILE\": 1}");
                    st.setString(2, id);
                    assertEquals(1, st.executeUpdate());
                }
                app.tenants().invalidateAll(); // what the cache bus does on every instance, without waiting for it
                var stored = app.media()
                        .upload(
                                app.systemContext(app.tenants().byId(id).orElseThrow()),
                                new UploadRequest(
                                        new UploadSource.FilePart(
                                                () -> new java.io.ByteArrayInputStream(
                                                        dev.tesela.testing.TestImages.png(22, 22, 3)),
                                                "f.png",
                                                null),
                                        null,
                                        null,
                                        "a, b",
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        true));
                assertEquals(List.of("a"), stored.image().tags(), "the valid stored limit still applies");
                assertEquals(
                        200,
                        send(port, "localhost", "GET", "/tenants/" + id, "", key, null)
                                .statusCode());
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void requestSignaturesBindMethodPathTimeAndBodyAndRevokingResetsEndApiKeys() throws Exception {
        Services.requireRedis();
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        env.put("TESELA_TENANTS_API_REQUEST_SECRET", SECRET);
        env.put("TESELA_TENANTS_API_SIGNATURE", "request");
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, env)) {
            String suffix = Crypto.randomBase62(6).toLowerCase();
            String idA = "a" + suffix;
            String idB = "b" + suffix;
            for (String id : List.of(idA, idB)) {
                app.registry().create(new TenantCommands.CreateTenant(id, id + ".test", true, null, null, Map.of()));
            }
            RequestContext a = app.systemContext(app.tenants().byId(idA).orElseThrow());
            app.installs().install(a, new InstallCommand("owner", "owner@a.example", "owner password a"));
            String key = app.tenantApiKeys().create("signed", null);
            WebServer server = app.webServer();
            int port = server.start();
            try {
                long now = Instant.now().getEpochSecond();
                assertEquals(
                        200, signed(port, "POST", "/auth/verify", "", key, now).statusCode());
                var listed = signed(port, "GET", "/tenants?limit=5", "", key, now);
                assertEquals(200, listed.statusCode(), "the query is part of the signed path: " + listed.body());

                // The body-only (reference) signature is refused, with or without a timestamp.
                var bodyOnly = send(port, "localhost", "POST", "/auth/verify", "", key, signature(""));
                assertEquals(401, bodyOnly.statusCode());
                assertTrue(bodyOnly.body().contains("Missing X-Signature-Timestamp"), bodyOnly.body());
                var bodyOnlyWithTime = send(
                        http,
                        port,
                        "localhost",
                        "POST",
                        "/auth/verify",
                        "",
                        key,
                        signature(""),
                        Map.of("X-Signature-Timestamp", Long.toString(now)));
                assertEquals(401, bodyOnlyWithTime.statusCode());
                assertTrue(bodyOnlyWithTime.body().contains("Invalid request signature"), bodyOnlyWithTime.body());

                // A signature made for DELETE /tenants/A (empty body, like the replay in issue 9) works nowhere else.
                String forA = requestSignature("DELETE", "/_/api/4/tenants/" + idA, now, "");
                Map<String, String> time = Map.of("X-Signature-Timestamp", Long.toString(now));
                assertEquals(
                        401,
                        send(http, port, "localhost", "DELETE", "/tenants/" + idB, "", key, forA, time)
                                .statusCode(),
                        "another path");
                assertEquals(
                        401,
                        send(http, port, "localhost", "POST", "/tenants/" + idA + "/install", "", key, forA, time)
                                .statusCode(),
                        "another method and path");
                assertEquals(
                        401,
                        send(
                                        http,
                                        port,
                                        "localhost",
                                        "DELETE",
                                        "/tenants/" + idA,
                                        "{\"drop_tables\":true}",
                                        key,
                                        forA,
                                        time)
                                .statusCode(),
                        "another body");
                assertEquals(
                        401,
                        send(http, port, "localhost", "DELETE", "/tenants/" + idA + "?x=1", "", key, forA, time)
                                .statusCode(),
                        "another query");
                assertEquals(2, app.registry().list().size(), "nothing deleted by the replays");

                // Outside the window, either way, even correctly signed; a malformed timestamp.
                var stale = signed(port, "POST", "/auth/verify", "", key, now - 301 - 30);
                assertEquals(401, stale.statusCode());
                assertTrue(stale.body().contains("expired"), stale.body());
                assertEquals(
                        401,
                        signed(port, "POST", "/auth/verify", "", key, now + 301 + 30)
                                .statusCode());
                assertEquals(
                        200,
                        signed(port, "POST", "/auth/verify", "", key, now - 240).statusCode(),
                        "inside the window");
                assertEquals(
                        401,
                        send(
                                        http,
                                        port,
                                        "localhost",
                                        "POST",
                                        "/auth/verify",
                                        "",
                                        key,
                                        requestSignature("POST", "/_/api/4/auth/verify", now, ""),
                                        Map.of("X-Signature-Timestamp", now + ".0"))
                                .statusCode());
                assertEquals(
                        204,
                        signed(port, "DELETE", "/tenants/" + idB, "", key, now).statusCode(),
                        "the signed request itself works");

                // A reset keeps the user's API keys unless asked to revoke them.
                String apiKey = app.accounts().createApiKey(a, "owner", "uploader");
                assertEquals(200, apiUpload(port, idA + ".test", apiKey, 1).statusCode());
                String path = "/tenants/" + idA + "/user-password-reset";
                var kept = signed(port, "PATCH", path, "{\"username\":\"owner\"}", key, now);
                assertEquals(200, kept.statusCode(), kept.body());
                assertEquals(
                        0, JSON.readTree(kept.body()).get("api_keys_revoked").asInt());
                assertEquals(200, apiUpload(port, idA + ".test", apiKey, 2).statusCode(), "the key still works");
                refused(signed(port, "PATCH", path, "{\"username\":\"owner\",\"revoke_api_keys\":\"yes\"}", key, now));
                assertEquals(
                        200, apiUpload(port, idA + ".test", apiKey, 3).statusCode(), "a refused reset revokes nothing");
                var revoked =
                        signed(port, "PATCH", path, "{\"username\":\"owner\",\"revoke_api_keys\":true}", key, now);
                assertEquals(200, revoked.statusCode(), revoked.body());
                assertEquals(
                        1, JSON.readTree(revoked.body()).get("api_keys_revoked").asInt());
                var afterRevoke = apiUpload(port, idA + ".test", apiKey, 4);
                assertEquals(400, afterRevoke.statusCode(), "the old key no longer uploads: " + afterRevoke.body());
                assertTrue(signsIn(
                        app,
                        new RequestContext(a.tenant(), Principal.GUEST, "test", "10.9.0.1"),
                        JSON.readTree(revoked.body()).get("password").asString()));
            } finally {
                server.stop();
            }
        }
    }

    /** The {@code fields} of a 400 answer; fails unless the answer is a 400 with fields. */
    private static JsonNode refused(HttpResponse<String> response) {
        assertEquals(400, response.statusCode(), response.body());
        JsonNode fields = JSON.readTree(response.body()).get("error").get("fields");
        assertTrue(fields != null && fields.isObject(), response.body());
        return fields;
    }

    private static java.util.Set<String> fieldNames(JsonNode fields) {
        return java.util.Set.copyOf(fields.propertyNames());
    }

    private static UploadRequest upload(byte[] png) {
        return new UploadRequest(
                new UploadSource.FilePart(() -> new java.io.ByteArrayInputStream(png), "f.png", null),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                true);
    }

    /** An API v1 upload to {@code host} with {@code apiKey}; {@code seed} makes each image different. */
    private HttpResponse<String> apiUpload(int port, String host, String apiKey, int seed) throws Exception {
        String png = java.util.Base64.getEncoder().encodeToString(dev.tesela.testing.TestImages.png(24, 24, seed));
        return dev.tesela.testing.HostRequests.send(
                http,
                port,
                host,
                "POST",
                "/api/1/upload",
                "key=" + dev.tesela.testing.HostRequests.enc(apiKey) + "&source="
                        + dev.tesela.testing.HostRequests.enc(png),
                new HashMap<>(),
                Map.of());
    }

    /** A request signed by the request scheme, computed here as docs/tenants-api.md describes it. */
    private HttpResponse<String> signed(int port, String method, String path, String body, String key, long timestamp)
            throws Exception {
        return send(
                http,
                port,
                "localhost",
                method,
                path,
                body,
                key,
                requestSignature(method, "/_/api/4" + path, timestamp, body),
                Map.of("X-Signature-Timestamp", Long.toString(timestamp)));
    }

    /** HMAC-SHA256 under {@link #SECRET} of "METHOD\npath?query\ntimestamp\nhex(SHA-256(body))", with the JDK's own classes. */
    private static String requestSignature(String method, String pathAndQuery, long timestamp, String body)
            throws Exception {
        String bodyHash = HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(body.getBytes(StandardCharsets.UTF_8)));
        return hmacHex(method + "\n" + pathAndQuery + "\n" + timestamp + "\n" + bodyHash);
    }

    private static String hmacHex(String text) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code password} signs "owner" in on {@code visitor}'s tenant. */
    private static boolean signsIn(App app, RequestContext visitor, String password) {
        try {
            app.accounts().signIn(visitor, new SignIn("owner", password, false, null));
            return true;
        } catch (AppException e) {
            assertEquals(ErrorCode.UNAUTHORIZED, e.code(), e.getMessage());
            return false;
        }
    }

    @Test
    void theBundledCloudflareRangesAreValidAndCoverBothFamilies() {
        List<String> ranges = TraefikDynamicConfig.cloudflareRanges();
        assertTrue(ranges.stream().filter(r -> r.contains(".")).count() >= 10, ranges.toString());
        assertTrue(ranges.stream().filter(r -> r.contains(":")).count() >= 5, ranges.toString());
        for (String range : ranges) {
            assertTrue(range.contains("/"), range);
            assertTrue(safeParse(range), range);
        }
        assertTrue(IpAllowList.parse(String.join(",", ranges)).allows("104.16.1.1"), "a Cloudflare edge address");
        assertEquals(
                ranges,
                TraefikDynamicConfig.expand(List.of("cloudflare", ranges.getFirst(), "cloudflare"), ranges),
                "repeats are dropped");
    }

    @ParameterizedTest
    @CsvSource({
        "'', 203.0.113.7, true",
        "'10.0.0.0/8', 10.20.30.40, true",
        "'10.0.0.0/8', 11.0.0.1, false",
        "'127.0.0.1, ::1', ::1, true",
        "'2001:db8::/32', 2001:db8:1::5, true",
        "'2001:db8::/32', 2001:db9::1, false",
        "'192.168.1.0/24', 192.168.1.255, true",
        "'192.168.1.0/25', 192.168.1.200, false",
        "'10.0.0.0/8', not-an-ip, false"
    })
    void allowListsMatchAddressesAndRanges(String list, String ip, boolean allowed) {
        assertEquals(allowed, IpAllowList.parse(list).allows(ip));
    }

    @Test
    void badAllowListsAreRefused() {
        for (String bad : new String[] {"10.0.0.0/33", "example.com", "10.0.0/8"}) {
            assertFalse(safeParse(bad), bad);
        }
    }

    private static boolean safeParse(String text) {
        try {
            IpAllowList.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private HttpResponse<String> send(
            int port, String host, String method, String path, String body, String key, boolean sign) throws Exception {
        return send(port, host, method, path, body, key, sign ? signature(body) : null);
    }

    private HttpResponse<String> send(
            int port, String host, String method, String path, String body, String key, String signature)
            throws Exception {
        return send(http, port, host, method, path, body, key, signature);
    }

    /** X-Signature of {@code body} under {@link #SECRET} by the reference (body) scheme, with the JDK's own classes. */
    private static String signature(String body) {
        try {
            return hmacHex(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client whose connections come from 127.0.0.2: a loopback address that is not 127.0.0.1 (Linux routes all of 127/8). */
    private static HttpClient fromSecondLoopback() throws Exception {
        return HttpClient.newBuilder()
                .localAddress(InetAddress.getByName("127.0.0.2"))
                .build();
    }

    private static HttpResponse<String> send(
            HttpClient client,
            int port,
            String host,
            String method,
            String path,
            String body,
            String key,
            String signature)
            throws Exception {
        return send(client, port, host, method, path, body, key, signature, Map.of());
    }

    private static HttpResponse<String> send(
            HttpClient client,
            int port,
            String host,
            String method,
            String path,
            String body,
            String key,
            String signature,
            Map<String, String> headers)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_/api/4" + path))
                .timeout(Duration.ofSeconds(10))
                .header("Host", host)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        if (signature != null) {
            request.header("X-Signature", signature);
        }
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code key} with its last character changed (appending a fixed "0" would leave 1 key in 16 unchanged). */
    private static String forged(String key) {
        return key.substring(0, key.length() - 1) + (key.endsWith("0") ? "1" : "0");
    }
}
