package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.IpAllowList;
import dev.tesela.platform.web.WebServer;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Tenants API over real HTTP: the guards in order (host, key, signature), then tenants and plans managed
 * end to end, a tenant installed through it, and keys that expire or are deleted stop working.
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
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2); App app = TestApps.migratedApp(db, env)) {
            String key = app.tenantApiKeys().create("automation", null);
            WebServer server = app.webServer();
            int port = server.start();
            try {
                // Guards, in order.
                assertEquals(404, send(port, "tenant.example", "POST", "/auth/verify", "", key, true).statusCode(), "not on a tenant's host");
                assertEquals(401, send(port, "localhost", "POST", "/auth/verify", "", null, true).statusCode());
                var forged = send(port, "localhost", "POST", "/auth/verify", "", key.substring(0, key.length() - 1) + "0", true);
                assertEquals(401, forged.statusCode());
                assertTrue(forged.body().contains("Invalid API key"), forged.body());
                var unsigned = send(port, "localhost", "POST", "/auth/verify", "", key, false);
                assertEquals(401, unsigned.statusCode());
                assertTrue(unsigned.body().contains("Missing X-Signature"), unsigned.body());
                var badSignature = send(port, "localhost", "POST", "/auth/verify", "{}", key, "00".repeat(32));
                assertTrue(badSignature.body().contains("Invalid request signature"), badSignature.body());
                assertEquals(200, send(port, "localhost", "POST", "/auth/verify", "", key, true).statusCode());

                // Plans and tenants.
                assertEquals(201, send(port, "localhost", "POST", "/tenants-plans",
                        "{\"id\":\"basic\",\"limits\":{\"TESELA_MAX_FILES\":100}}", key, true).statusCode());
                String id = "api" + Crypto.randomBase62(5).toLowerCase();
                var created = send(port, "localhost", "POST", "/tenants", "{\"id\":\"" + id + "\",\"hostname\":\"" + id
                        + ".example\",\"is_enabled\":true,\"plan_id\":\"basic\",\"env\":{\"TESELA_SCHEDULER_INTERVAL\":\"60\"}}", key, true);
                assertEquals(201, created.statusCode(), created.body());
                JsonNode tenant = JSON.readTree(created.body());
                assertEquals(100, tenant.get("limits").get("TESELA_MAX_FILES").asInt());
                assertEquals("60", tenant.get("env").get("TESELA_SCHEDULER_INTERVAL").asString());
                assertEquals(409, send(port, "localhost", "POST", "/tenants", "{\"id\":\"" + id + "\",\"hostname\":\"other.example\"}", key, true).statusCode());
                assertEquals(400, send(port, "localhost", "POST", "/tenants", "[1,2]", key, true).statusCode());

                assertEquals(204, send(port, "localhost", "PATCH", "/tenants/" + id, "{\"limits\":{\"TESELA_MAX_FILES\":5}}", key, true).statusCode());
                JsonNode got = JSON.readTree(send(port, "localhost", "GET", "/tenants/" + id, "", key, true).body());
                assertEquals(5, got.get("limits").get("TESELA_MAX_FILES").asInt(), "the tenant's own limit wins over the plan's");
                assertEquals(201, send(port, "localhost", "POST", "/tenants/" + id + "/install",
                        "{\"username\":\"owner\",\"email\":\"owner@example.com\",\"password\":\"a long password\"}", key, true).statusCode());
                assertEquals(409, send(port, "localhost", "POST", "/tenants/" + id + "/install",
                        "{\"username\":\"owner\",\"email\":\"owner@example.com\",\"password\":\"a long password\"}", key, true).statusCode());
                assertTrue(app.installs.isInstalled(app.systemContext(app.tenants.byId(id).orElseThrow())));
                assertEquals(1, JSON.readTree(send(port, "localhost", "GET", "/tenants", "", key, true).body()).size());
                assertEquals(404, send(port, "localhost", "GET", "/tenants/nosuch", "", key, true).statusCode());

                assertEquals(204, send(port, "localhost", "DELETE", "/tenants/" + id, "{\"drop_tables\":true}", key, true).statusCode());
                assertEquals(404, send(port, "localhost", "GET", "/tenants/" + id, "", key, true).statusCode());
                assertEquals(204, send(port, "localhost", "DELETE", "/tenants-plans/basic", "", key, true).statusCode());

                // Deleted and expired keys stop working.
                assertEquals(1, app.tenantApiKeys().delete(null, "automation"));
                assertEquals(401, send(port, "localhost", "POST", "/auth/verify", "", key, true).statusCode());
            } finally {
                server.stop();
            }
            assertTrue(app.tenantApiKeys().verify(app.tenantApiKeys().create("soon", Instant.now().plusSeconds(3600))).isPresent());
        }
    }

    @ParameterizedTest
    @CsvSource({"'', 203.0.113.7, true", "'10.0.0.0/8', 10.20.30.40, true", "'10.0.0.0/8', 11.0.0.1, false",
            "'127.0.0.1, ::1', ::1, true", "'2001:db8::/32', 2001:db8:1::5, true", "'2001:db8::/32', 2001:db9::1, false",
            "'192.168.1.0/24', 192.168.1.255, true", "'192.168.1.0/25', 192.168.1.200, false", "'10.0.0.0/8', not-an-ip, false"})
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

    private HttpResponse<String> send(int port, String host, String method, String path, String body, String key, boolean sign)
            throws Exception {
        return send(port, host, method, path, body, key,
                sign ? HexFormat.of().formatHex(Crypto.hmacSha256(SECRET.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8))) : null);
    }

    private HttpResponse<String> send(int port, String host, String method, String path, String body, String key, String signature)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_/api/4" + path))
                .timeout(Duration.ofSeconds(10)).header("Host", host).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        if (signature != null) {
            request.header("X-Signature", signature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
