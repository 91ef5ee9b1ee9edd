package dev.tesela.platform.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ConfigLoader.load: defaults, one exception naming every bad key, and the TESELA_CONFIG_FILE layer. */
class ConfigLoaderTest {

    @Test
    void defaults() {
        TeselaConfig config = ConfigLoader.load(Map.of());

        assertEquals(8080, config.http().port());
        assertEquals("0.0.0.0", config.http().host());
        assertEquals(Optional.empty(), config.http().clientIpHeader());
        assertEquals(64L * 1024 * 1024, config.http().maxRequestBytes());
        assertEquals(java.time.Duration.ofSeconds(10), config.http().headerTimeout());
        assertEquals(1024, config.http().minBodyBytesPerSecond());
        assertEquals(16, config.http().bodyReaders());

        Path dataDir = config.dataDir();
        assertTrue(dataDir.isAbsolute(), dataDir.toString());
        assertEquals(Path.of("data").toAbsolutePath().normalize(), dataDir);

        String url = config.db().url();
        assertEquals(
                "jdbc:h2:file:" + dataDir.resolve("db").resolve("tesela") + ";DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE",
                url);
        assertTrue(url.contains(";DATABASE_TO_LOWER=TRUE"), url);
        assertEquals("sa", config.db().user());
        assertEquals("", config.db().password());
        assertEquals("tsl_", config.db().tablePrefix());
        assertEquals(10, config.db().poolSize());
        assertTrue(config.db().migrateOnStart());

        assertEquals(DeploymentContext.SELF_HOSTED, config.context());
        assertEquals(Optional.empty(), config.redisUrl());
        assertFalse(config.redisConfigured());
        assertTrue(config.encryptionKey().isEmpty());
        assertEquals("localhost:8080", config.site().hostname());
        assertFalse(config.site().https());
        assertEquals("http://localhost:8080", config.site().baseUrl());
        assertEquals(25, config.auth().failedLoginsPerDay());
        assertEquals(Duration.ofDays(1), config.auth().sessionIdle());
        assertEquals(Duration.ofDays(30), config.auth().loginCookieLifetime());
    }

    @Test
    void readsEveryTypedValue() {
        byte[] key = new byte[32];
        key[0] = 7;
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_HTTP_PORT", " 9000 ");
        env.put("TESELA_DATA_DIR", "/srv/tesela/../tesela-data");
        env.put("TESELA_DB_URL", "jdbc:postgresql://db/tesela");
        env.put("TESELA_DB_TABLE_PREFIX", "img_");
        env.put("TESELA_HTTPS", "yes");
        env.put("TESELA_CONTEXT", "SaaS");
        env.put("TESELA_REDIS_URL", "rediss://cache:6380/0");
        env.put("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
        env.put("TESELA_HOSTNAME", "images.example.com");
        env.put("PATH", "/usr/bin");

        TeselaConfig config = ConfigLoader.load(env);

        assertEquals(9000, config.http().port());
        assertEquals(Path.of("/srv/tesela-data"), config.dataDir());
        assertEquals("jdbc:postgresql://db/tesela", config.db().url());
        assertEquals("", config.db().user(), "no H2 default user for other databases");
        assertEquals("img_", config.db().tablePrefix());
        assertTrue(config.site().https());
        assertEquals("https://images.example.com", config.site().baseUrl());
        assertEquals(DeploymentContext.SAAS, config.context());
        assertEquals(Optional.of(URI.create("rediss://cache:6380/0")), config.redisUrl());
        assertArrayEquals(key, config.encryptionKey().orElseThrow());
    }

    @Test
    void theImageJobBudgetDefaultsToTheFrameLimitAndIsValidated() {
        assertEquals(150_000_000L, ConfigLoader.load(Map.of()).media().jobPixels());
        assertEquals(
                20_000_000L,
                ConfigLoader.load(Map.of("TESELA_IMAGE_MAX_MEGAPIXELS", "20"))
                        .media()
                        .jobPixels());
        assertEquals(
                40_000_000L,
                ConfigLoader.load(Map.of("TESELA_IMAGE_JOB_MEGAPIXELS", "40"))
                        .media()
                        .jobPixels());
        for (String bad : new String[] {"0", "10001", "lots"}) {
            ConfigException e = assertThrows(
                    ConfigException.class, () -> ConfigLoader.load(Map.of("TESELA_IMAGE_JOB_MEGAPIXELS", bad)));
            assertEquals(
                    Set.of("TESELA_IMAGE_JOB_MEGAPIXELS"),
                    e.problems().stream().map(ConfigProblem::key).collect(Collectors.toSet()));
        }
    }

    @Test
    void reportsEveryBadKeyAtOnce() {
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_HTTP_PORT", "70000");
        env.put("TESELA_HTTPS", "maybe");
        env.put("TESELA_CONTEXT", "cloud");
        env.put("TESELA_REDIS_URL", "http://cache:6379");
        env.put("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(new byte[16]));
        env.put("TESELA_DB_URL", "postgres://db/tesela");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env));

        Map<String, String> problems =
                e.problems().stream().collect(Collectors.toMap(ConfigProblem::key, ConfigProblem::message));
        assertEquals(
                Set.of(
                        "TESELA_HTTP_PORT",
                        "TESELA_HTTPS",
                        "TESELA_CONTEXT",
                        "TESELA_REDIS_URL",
                        "TESELA_ENCRYPTION_KEY",
                        "TESELA_DB_URL"),
                problems.keySet(),
                e.getMessage());
        assertTrue(problems.get("TESELA_HTTP_PORT").contains("70000"), problems.get("TESELA_HTTP_PORT"));
        assertTrue(problems.get("TESELA_HTTPS").contains("maybe"), problems.get("TESELA_HTTPS"));
        assertTrue(problems.get("TESELA_CONTEXT").contains("self-hosted"), problems.get("TESELA_CONTEXT"));
        assertTrue(problems.get("TESELA_REDIS_URL").contains("redis://"), problems.get("TESELA_REDIS_URL"));
        assertTrue(problems.get("TESELA_ENCRYPTION_KEY").contains("32 bytes"), problems.get("TESELA_ENCRYPTION_KEY"));
        assertTrue(problems.get("TESELA_DB_URL").contains("jdbc:"), problems.get("TESELA_DB_URL"));
        for (String key : problems.keySet()) {
            assertTrue(e.getMessage().contains(key), "message names " + key + ": " + e.getMessage());
        }
    }

    @Test
    void reportsEachOtherValidatedKey() {
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_HTTP_PORT", "-1");
        env.put("TESELA_HEADER_CLIENT_IP", "X Forwarded For");
        env.put("TESELA_HTTP_MAX_REQUEST_MB", "0");
        env.put("TESELA_HTTP_HEADER_TIMEOUT_SECONDS", "0");
        env.put("TESELA_HTTP_MIN_BODY_RATE_BYTES", "-1");
        env.put("TESELA_HTTP_BODY_READERS", "none");
        env.put("TESELA_DB_TABLE_PREFIX", "Bad-Prefix");
        env.put("TESELA_DB_POOL_SIZE", "many");
        env.put("TESELA_DB_MIGRATE_ON_START", "2");
        env.put("TESELA_ENCRYPTION_KEY", "not base64!");
        env.put("TESELA_HOSTNAME", "https://images.example.com/");
        env.put("TESELA_LOGIN_FAILURES_PER_DAY", "0");
        env.put("TESELA_SESSION_IDLE_MINUTES", "1");
        env.put("TESELA_LOGIN_COOKIE_DAYS", "99999");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env));

        assertEquals(
                env.keySet(),
                e.problems().stream().map(ConfigProblem::key).collect(Collectors.toSet()),
                e.getMessage());
        assertEquals(env.size(), e.problems().size(), "one problem per key");
    }

    @Test
    void databaseServersAndIsolationAreRead() {
        TeselaConfig config = ConfigLoader.load(Map.of(
                "TESELA_TENANTS_DB_ISOLATION_MODE", "database",
                "TESELA_DB_SERVERS", " eu-2 , us1",
                "TESELA_DB_SERVER_EU_2_URL", "jdbc:mariadb://10.0.0.2:3306/",
                "TESELA_DB_SERVER_EU_2_USER", "tesela",
                "TESELA_DB_SERVER_EU_2_PASSWORD", "pw",
                "TESELA_DB_SERVER_EU_2_POOL_SIZE", "20",
                "TESELA_DB_SERVER_US1_URL", "jdbc:postgresql://10.0.0.3/tesela"));
        assertEquals(TeselaConfig.IsolationMode.DATABASE, config.tenants().isolation());
        assertEquals(
                new TeselaConfig.DbServer("eu-2", "jdbc:mariadb://10.0.0.2:3306/", "tesela", "pw", 20),
                config.db().servers().get("eu-2"));
        assertEquals(
                new TeselaConfig.DbServer("us1", "jdbc:postgresql://10.0.0.3/tesela", "", "", 10),
                config.db().servers().get("us1"));
        assertEquals(
                TeselaConfig.IsolationMode.TABLE,
                ConfigLoader.load(Map.of("TESELA_TENANTS_DB_ISOLATION_MODE", "prefix"))
                        .tenants()
                        .isolation());
        assertFalse(config.db().servers().get("eu-2").toString().contains("pw"), "no password in logs");

        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(Map.of(
                        "TESELA_TENANTS_DB_ISOLATION_MODE", "schema",
                        "TESELA_DB_SERVERS", "default,Bad,ok,nourl",
                        "TESELA_DB_SERVER_OK_URL", "mongodb://x",
                        "TESELA_DB_SERVER_OK_POOL_SIZE", "0")));
        Map<String, String> problems = e.problems().stream()
                .collect(Collectors.toMap(ConfigProblem::key, ConfigProblem::message, (a, b) -> a + " | " + b));
        assertEquals(
                Set.of(
                        "TESELA_TENANTS_DB_ISOLATION_MODE",
                        "TESELA_DB_SERVERS",
                        "TESELA_DB_SERVER_OK_URL",
                        "TESELA_DB_SERVER_NOURL_URL"),
                problems.keySet(),
                e.getMessage());
        assertTrue(
                problems.get("TESELA_DB_SERVERS").contains("'default'")
                        && problems.get("TESELA_DB_SERVERS").contains("'Bad'"),
                problems.get("TESELA_DB_SERVERS"));
        assertTrue(
                problems.get("TESELA_DB_SERVER_NOURL_URL").contains("is required"),
                problems.get("TESELA_DB_SERVER_NOURL_URL"));
    }

    @Test
    void aValidPrefixAtTheLengthLimitIsAccepted() {
        assertEquals(
                "a234567890123456",
                ConfigLoader.load(Map.of("TESELA_DB_TABLE_PREFIX", "a234567890123456"))
                        .db()
                        .tablePrefix());
        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of("TESELA_DB_TABLE_PREFIX", "a2345678901234567")));
        assertEquals(
                List.of("TESELA_DB_TABLE_PREFIX"),
                e.problems().stream().map(ConfigProblem::key).toList());
    }

    @Test
    void configFileIsReadAndTheEnvironmentWins(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("tesela.properties");
        Files.writeString(file, """
                # Tesela settings
                TESELA_HTTP_PORT = 9090
                TESELA_DB_TABLE_PREFIX=file_
                TESELA_HOSTNAME=file.example.com
                TESELA_HTTPS=on
                """, StandardCharsets.UTF_8);
        Map<String, String> env = Map.of(
                ConfigLoader.CONFIG_FILE,
                file.toString(),
                "TESELA_HTTP_PORT",
                "9191",
                "TESELA_HOSTNAME",
                "env.example.com");

        TeselaConfig config = ConfigLoader.load(env);

        assertEquals(9191, config.http().port(), "environment wins over the file");
        assertEquals("env.example.com", config.site().hostname(), "environment wins over the file");
        assertEquals("file_", config.db().tablePrefix(), "value only in the file");
        assertTrue(config.site().https(), "value only in the file");
    }

    @Test
    void badValuesInTheConfigFileAreReportedByKey(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("tesela.properties");
        Files.writeString(file, "TESELA_HTTP_PORT=http\nTESELA_CONTEXT=cloud\n", StandardCharsets.UTF_8);

        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of(ConfigLoader.CONFIG_FILE, file.toString())));

        assertEquals(
                Set.of("TESELA_HTTP_PORT", "TESELA_CONTEXT"),
                e.problems().stream().map(ConfigProblem::key).collect(Collectors.toSet()));
    }

    @Test
    void aMissingConfigFileIsReportedNamingTheKey(@TempDir Path tmp) {
        Path missing = tmp.resolve("nope.properties");

        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of(ConfigLoader.CONFIG_FILE, missing.toString())));

        assertEquals(1, e.problems().size());
        assertEquals("TESELA_CONFIG_FILE", e.problems().getFirst().key());
        assertTrue(
                e.problems().getFirst().message().contains(missing.toString()),
                e.problems().getFirst().message());
        assertTrue(e.getMessage().contains("TESELA_CONFIG_FILE"), e.getMessage());
    }

    @Test
    void anUnreadableConfigFileIsReportedNamingTheKey(@TempDir Path tmp) throws Exception {
        Path directory = Files.createDirectory(tmp.resolve("a-directory"));

        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of(ConfigLoader.CONFIG_FILE, directory.toString())));

        assertEquals(
                List.of("TESELA_CONFIG_FILE"),
                e.problems().stream().map(ConfigProblem::key).toList());
    }

    @Test
    void aBlankConfigFileKeyIsIgnored() {
        assertEquals(
                8080,
                ConfigLoader.load(Map.of(ConfigLoader.CONFIG_FILE, "  ")).http().port());
    }
}
