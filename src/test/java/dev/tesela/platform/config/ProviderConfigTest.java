package dev.tesela.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ConfigLoader in provider mode: the keys TESELA_TENANTS_ENABLED=1 requires, and the provider-only keys' rules. */
class ProviderConfigTest {
    private static final List<String> REQUIRED =
            List.of("TESELA_ENCRYPTION_KEY", "TESELA_REDIS_URL", "TESELA_PROVIDER_NAME", "TESELA_PROVIDER_URL");

    /** A complete provider-mode environment. */
    private static Map<String, String> provider() {
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_TENANTS_ENABLED", "1");
        env.put("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(new byte[32]));
        env.put("TESELA_REDIS_URL", "redis://127.0.0.1:6379");
        env.put("TESELA_PROVIDER_NAME", "Test");
        env.put("TESELA_PROVIDER_URL", "https://provider.example");
        return env;
    }

    private static Map<String, String> provider(String key, String value) {
        Map<String, String> env = provider();
        env.put(key, value);
        return env;
    }

    private static ConfigException refused(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(env));
    }

    private static Set<String> keys(ConfigException e) {
        return e.problems().stream().map(ConfigProblem::key).collect(Collectors.toSet());
    }

    private static String messageFor(ConfigException e, String key) {
        return e.problems().stream()
                .filter(p -> p.key().equals(key))
                .map(ConfigProblem::message)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void completeProviderEnvironmentLoads() {
        TeselaConfig config = ConfigLoader.load(provider());

        TeselaConfig.Tenants tenants = config.tenants();
        assertTrue(tenants.enabled());
        assertEquals("Test", tenants.providerName());
        assertEquals("https://provider.example", tenants.providerUrl());
        assertEquals(TeselaConfig.IsolationMode.TABLE, tenants.isolation(), "table isolation is the default");
        assertEquals("localhost", tenants.internalHostname());
        assertEquals(Optional.empty(), tenants.routerSecret());
        assertTrue(config.redisConfigured());
        assertEquals(32, config.encryptionKey().orElseThrow().length);
    }

    @Test
    void tenantsEnabledAloneNamesEveryRequiredKey() {
        ConfigException e = refused(Map.of("TESELA_TENANTS_ENABLED", "1"));

        assertEquals(Set.copyOf(REQUIRED), keys(e), e.getMessage());
        for (String key : REQUIRED) {
            assertTrue(e.getMessage().contains(key), "the message names " + key + ":\n" + e.getMessage());
            assertTrue(
                    messageFor(e, key).contains("TESELA_TENANTS_ENABLED=1"),
                    "says why " + key + " is needed: " + messageFor(e, key));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TESELA_ENCRYPTION_KEY", "TESELA_REDIS_URL", "TESELA_PROVIDER_NAME", "TESELA_PROVIDER_URL"})
    void eachRequiredKeyIsRequiredOnItsOwn(String key) {
        Map<String, String> env = provider();
        env.remove(key);
        ConfigException missing = refused(env);
        assertEquals(Set.of(key), keys(missing), missing.getMessage());

        ConfigException blank = refused(provider(key, "  "));
        assertEquals(Set.of(key), keys(blank), "a blank value counts as missing: " + blank.getMessage());
    }

    @Test
    void providerKeysAreNotRequiredWhenProviderModeIsOff() {
        for (String value : List.of("0", "false")) {
            TeselaConfig config = ConfigLoader.load(Map.of("TESELA_TENANTS_ENABLED", value));
            assertFalse(config.tenants().enabled(), value);
        }
        assertFalse(ConfigLoader.load(Map.of()).tenants().enabled(), "off by default");
        assertFalse(
                ConfigLoader.load(Map.of("TESELA_PROVIDER_URL", "ftp://x"))
                        .tenants()
                        .enabled(),
                "the provider URL is only checked in provider mode");

        ConfigException bad = refused(Map.of("TESELA_TENANTS_ENABLED", "maybe"));
        assertEquals(Set.of("TESELA_TENANTS_ENABLED"), keys(bad), bad.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://x", "provider.example", "mailto:ops@provider.example"})
    void providerUrlMustBeHttp(String url) {
        ConfigException e = refused(provider("TESELA_PROVIDER_URL", url));

        assertEquals(Set.of("TESELA_PROVIDER_URL"), keys(e), e.getMessage());
        assertTrue(messageFor(e, "TESELA_PROVIDER_URL").contains("http"), e.getMessage());
    }

    @Test
    void httpAndHttpsProviderUrlsAreAccepted() {
        assertEquals(
                "http://provider.example",
                ConfigLoader.load(provider("TESELA_PROVIDER_URL", "http://provider.example"))
                        .tenants()
                        .providerUrl());
        assertEquals(
                "https://p.example/x",
                ConfigLoader.load(provider("TESELA_PROVIDER_URL", " https://p.example/x "))
                        .tenants()
                        .providerUrl());
    }

    @ParameterizedTest
    @ValueSource(strings = {"database", "DATABASE"})
    void databaseIsolationIsAccepted(String value) {
        assertEquals(
                TeselaConfig.IsolationMode.DATABASE,
                ConfigLoader.load(provider("TESELA_TENANTS_DB_ISOLATION_MODE", value))
                        .tenants()
                        .isolation());
    }

    @Test
    void enforcedEnvValuesEveryTenantWouldInheritAreCheckedAtStartUp() {
        ConfigException badKey =
                refused(provider("TESELA_TENANT_ENFORCED", "{\"env\": {\"TESELA_ENCRYPTION_KEY\": \"c2hvcnQ=\"}}"));
        assertTrue(messageFor(badKey, "TESELA_TENANT_ENFORCED").contains("TESELA_ENCRYPTION_KEY"), badKey.getMessage());
        ConfigException badMode = refused(
                provider("TESELA_TENANT_ENFORCED", "{\"env\": {\"TESELA_TENANTS_DB_ISOLATION_MODE\": \"schema\"}}"));
        assertTrue(
                messageFor(badMode, "TESELA_TENANT_ENFORCED").contains("TESELA_TENANTS_DB_ISOLATION_MODE"),
                badMode.getMessage());
        String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        assertTrue(ConfigLoader.load(
                        provider("TESELA_TENANT_ENFORCED", "{\"env\": {\"TESELA_ENCRYPTION_KEY\": \"" + key + "\"}}"))
                .tenants()
                .enforced()
                .envJson()
                .contains(key));
    }

    @Test
    void anUnknownIsolationModeIsRefusedNamingWhatIsAllowed() {
        ConfigException junk = refused(provider("TESELA_TENANTS_DB_ISOLATION_MODE", "schema"));
        assertEquals(Set.of("TESELA_TENANTS_DB_ISOLATION_MODE"), keys(junk), junk.getMessage());
        String message = messageFor(junk, "TESELA_TENANTS_DB_ISOLATION_MODE");
        assertTrue(message.contains("'schema'"), "names the value given: " + message);
        assertTrue(message.contains("table") && message.contains("database"), "names what is allowed: " + message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"table", "TABLE", "prefix", "Prefix"})
    void prefixIsAnotherNameForTableIsolation(String value) {
        TeselaConfig config = ConfigLoader.load(provider("TESELA_TENANTS_DB_ISOLATION_MODE", value));

        assertEquals(TeselaConfig.IsolationMode.TABLE, config.tenants().isolation());
    }

    @Test
    void routerSecretNeedsSixteenCharacters() {
        ConfigException e = refused(provider("TESELA_ROUTER_SECRET", "short"));
        assertEquals(Set.of("TESELA_ROUTER_SECRET"), keys(e), e.getMessage());
        assertTrue(messageFor(e, "TESELA_ROUTER_SECRET").contains("16"), e.getMessage());
        assertFalse(e.getMessage().contains("short"), "the secret itself is not echoed: " + e.getMessage());

        ConfigException fifteen = refused(provider("TESELA_ROUTER_SECRET", "a".repeat(15)));
        assertEquals(Set.of("TESELA_ROUTER_SECRET"), keys(fifteen));

        TeselaConfig sixteen = ConfigLoader.load(provider("TESELA_ROUTER_SECRET", "a".repeat(16)));
        assertEquals(Optional.of("a".repeat(16)), sixteen.tenants().routerSecret());
    }

    @Test
    void tenantsApiSignatureSchemeIsBodyByDefaultAndRequestNeedsTheSecret() {
        assertEquals(
                TeselaConfig.ApiSignature.BODY,
                ConfigLoader.load(provider()).tenants().apiSignature());
        Map<String, String> request = provider("TESELA_TENANTS_API_SIGNATURE", "Request");
        request.put("TESELA_TENANTS_API_REQUEST_SECRET", "s".repeat(16));
        assertEquals(
                TeselaConfig.ApiSignature.REQUEST,
                ConfigLoader.load(request).tenants().apiSignature());

        ConfigException noSecret = refused(provider("TESELA_TENANTS_API_SIGNATURE", "request"));
        assertEquals(Set.of("TESELA_TENANTS_API_SIGNATURE"), keys(noSecret));
        assertTrue(
                messageFor(noSecret, "TESELA_TENANTS_API_SIGNATURE").contains("TESELA_TENANTS_API_REQUEST_SECRET"),
                noSecret.getMessage());
        ConfigException junk = refused(provider("TESELA_TENANTS_API_SIGNATURE", "headers"));
        assertTrue(messageFor(junk, "TESELA_TENANTS_API_SIGNATURE").contains("body or request"), junk.getMessage());
    }

    @Test
    void everyProviderProblemIsReportedAtOnce() {
        Map<String, String> env = new HashMap<>(Map.of(
                "TESELA_TENANTS_ENABLED", "1",
                "TESELA_PROVIDER_URL", "ftp://x",
                "TESELA_TENANTS_DB_ISOLATION_MODE", "schema",
                "TESELA_ROUTER_SECRET", "short"));

        ConfigException e = refused(env);

        assertEquals(
                Set.of(
                        "TESELA_ENCRYPTION_KEY",
                        "TESELA_REDIS_URL",
                        "TESELA_PROVIDER_NAME",
                        "TESELA_PROVIDER_URL",
                        "TESELA_TENANTS_DB_ISOLATION_MODE",
                        "TESELA_ROUTER_SECRET"),
                keys(e),
                e.getMessage());
    }

    @Test
    void traefikKeysDefaultToTheListeningPortAndAllowEveryone() {
        TeselaConfig.Traefik traefik = ConfigLoader.load(provider()).tenants().traefik();
        assertEquals("tesela", traefik.serviceName());
        assertEquals(8080, traefik.servicePort());
        assertEquals("web", traefik.entryPoint());
        assertEquals(List.of("0.0.0.0/0", "::/0"), traefik.sourceRanges());
        assertEquals(
                9000,
                ConfigLoader.load(provider("TESELA_HTTP_PORT", "9000"))
                        .tenants()
                        .traefik()
                        .servicePort(),
                "the port Tesela listens on");
    }

    @Test
    void traefikKeysAreReadAndCloudflareIsKeptAsAToken() {
        Map<String, String> env = provider();
        env.put("TESELA_TRAEFIK_SERVICE_NAME", "tesela-app");
        env.put("TESELA_TRAEFIK_SERVICE_PORT", "8081");
        env.put("TESELA_TRAEFIK_ENTRYPOINT", "websecure");
        env.put("TESELA_TRAEFIK_IP_ALLOW_LIST", " 10.0.0.0/8 , CloudFlare,,2001:db8::/32, 192.0.2.7 ");

        TeselaConfig.Traefik traefik = ConfigLoader.load(env).tenants().traefik();

        assertEquals("tesela-app", traefik.serviceName());
        assertEquals(8081, traefik.servicePort());
        assertEquals("websecure", traefik.entryPoint());
        assertEquals(List.of("10.0.0.0/8", "cloudflare", "2001:db8::/32", "192.0.2.7"), traefik.sourceRanges());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "TESELA_TRAEFIK_SERVICE_NAME | tesela app | host name label",
                "TESELA_TRAEFIK_SERVICE_NAME | -tesela | host name label",
                "TESELA_TRAEFIK_SERVICE_NAME | tesela.example | host name label",
                "TESELA_TRAEFIK_SERVICE_PORT | 0 | between 1 and 65535",
                "TESELA_TRAEFIK_SERVICE_PORT | http | whole number",
                "TESELA_TRAEFIK_ENTRYPOINT | web secure | entry point name",
                "TESELA_TRAEFIK_ENTRYPOINT | web:443 | entry point name",
                "TESELA_TRAEFIK_IP_ALLOW_LIST | 10.0.0.0/33 | bad prefix length",
                "TESELA_TRAEFIK_IP_ALLOW_LIST | 10.0.0.0/8, example.com | 'example.com'",
                "TESELA_TRAEFIK_IP_ALLOW_LIST | cloudflair | 'cloudflair'",
                "TESELA_TRAEFIK_IP_ALLOW_LIST | ' , ' | at least one"
            })
    void badTraefikKeysAreNamedWithWhatIsWrong(String key, String value, String hint) {
        ConfigException e = refused(provider(key, value));

        assertEquals(Set.of(key), keys(e), e.getMessage());
        assertTrue(messageFor(e, key).contains(hint), messageFor(e, key));
    }

    @Test
    void internalHostnameIsLowerCased() {
        assertEquals(
                "admin.provider.example",
                ConfigLoader.load(provider("TESELA_INTERNAL_HOSTNAME", "Admin.Provider.EXAMPLE"))
                        .tenants()
                        .internalHostname());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "admin.provider.example:8080",
                "admin provider",
                "admin`) || Host(`evil",
                "https://admin.example",
                ".admin"
            })
    void internalHostnameMustBeAHostNameWithoutPort(String bad) {
        ConfigException e = refused(provider("TESELA_INTERNAL_HOSTNAME", bad));

        assertEquals(Set.of("TESELA_INTERNAL_HOSTNAME"), keys(e), e.getMessage());
        assertTrue(messageFor(e, "TESELA_INTERNAL_HOSTNAME").contains("without a port"), e.getMessage());
    }

    @Test
    void tenantEnforcedIsAJsonObjectOfLimitsAndEnv() {
        var ok = ConfigLoader.load(Map.of(
                "TESELA_TENANT_ENFORCED", "{\"limits\": {\"TESELA_MAX_USERS\": 3}, \"env\": {\"TESELA_X\": \"1\"}}"));
        assertEquals("{\"TESELA_MAX_USERS\":3}", ok.tenants().enforced().limitsJson());
        assertEquals("{\"TESELA_X\":\"1\"}", ok.tenants().enforced().envJson());
        for (String bad : new String[] {"nope", "[1]", "{\"limits\": 3}", "{\"other\": {}}"}) {
            var e = assertThrows(
                    ConfigException.class, () -> ConfigLoader.load(Map.of("TESELA_TENANT_ENFORCED", bad)), bad);
            assertEquals("TESELA_TENANT_ENFORCED", e.problems().getFirst().key(), bad);
        }
    }

    @Test
    void tenantEnforcedLimitsFollowTheRulesOfEveryLimitAllReportedAtOnce() {
        var e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(
                        Map.of(
                                "TESELA_TENANT_ENFORCED",
                                "{\"limits\": {\"users\": 3, \"TESELA_MAX_FILES\": -5, \"TESELA_MAX_UPLOAD_SIZE\": \"lots\", \"TESELA_MAX_ALBUMS\": 2}}")));
        List<String> messages =
                e.problems().stream().map(ConfigProblem::message).toList();
        assertEquals(3, messages.size(), messages.toString());
        assertTrue(messages.get(0).contains("'users' is not a limit"), messages.toString());
        assertTrue(messages.get(1).contains("TESELA_MAX_FILES must be a whole number"), messages.toString());
        assertTrue(messages.get(2).contains("TESELA_MAX_UPLOAD_SIZE must be a size"), messages.toString());
        assertEquals(
                "{\"TESELA_MAX_UPLOAD_SIZE\":\"20M\"}",
                ConfigLoader.load(
                                Map.of("TESELA_TENANT_ENFORCED", "{\"limits\": {\"TESELA_MAX_UPLOAD_SIZE\": \"20M\"}}"))
                        .tenants()
                        .enforced()
                        .limitsJson());
    }
}
