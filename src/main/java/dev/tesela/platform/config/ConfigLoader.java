package dev.tesela.platform.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@code TESELA_*} settings from the environment, optionally layered over a properties file named by
 * {@code TESELA_CONFIG_FILE} (same keys; the environment wins). Validates everything and throws one
 * {@link ConfigException} listing every bad key. docs/configuration.md documents each key read here.
 */
public final class ConfigLoader {
    public static final String CONFIG_FILE = "TESELA_CONFIG_FILE";
    private static final Pattern TABLE_PREFIX = Pattern.compile("^[a-z][a-z0-9_]{0,15}$");
    private static final Pattern HOSTNAME = Pattern.compile("^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$");
    private static final Pattern SERVER_NAME = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,31}$");
    private static final Pattern INTERNAL_HOSTNAME = Pattern.compile("^(?=.{1,253}$)[a-z0-9]([a-z0-9.-]*[a-z0-9])?$");
    private static final Pattern HEADER_NAME = Pattern.compile("^[A-Za-z0-9-]{1,64}$");
    /** One DNS label: what a service name must be to appear as the host of http://<service>:<port>. */
    private static final Pattern DNS_LABEL = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$");

    private static final Pattern ENTRY_POINT = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ConfigLoader() {}

    public static TeselaConfig fromEnvironment() {
        return load(System.getenv());
    }

    /** Loads from {@code env} (and the file it names). Pure apart from reading that file. */
    public static TeselaConfig load(Map<String, String> env) {
        Map<String, String> merged = new HashMap<>();
        String file = env.get(CONFIG_FILE);
        if (file != null && !file.isBlank()) {
            try {
                merged.putAll(readPropertiesFile(Path.of(file.trim())));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException(java.util.List.of(
                        new ConfigProblem(CONFIG_FILE, "cannot read '" + file + "': " + e.getMessage())));
            }
        }
        env.forEach((k, v) -> {
            if (k.startsWith("TESELA_")) {
                merged.put(k, v);
            }
        });
        return read(new ConfigReader(merged));
    }

    private static TeselaConfig read(ConfigReader r) {
        String host = r.string("TESELA_HTTP_HOST", "0.0.0.0");
        int port = r.integer("TESELA_HTTP_PORT", 8080, 0, 65535);
        Optional<String> clientIpHeader = r.raw("TESELA_HEADER_CLIENT_IP");
        clientIpHeader
                .filter(h -> !HEADER_NAME.matcher(h).matches())
                .ifPresent(h ->
                        r.problem("TESELA_HEADER_CLIENT_IP", "must be an HTTP header name such as X-Forwarded-For"));
        int maxRequestMb = r.integer("TESELA_HTTP_MAX_REQUEST_MB", 64, 1, 4096);
        int headerTimeoutSeconds = r.integer("TESELA_HTTP_HEADER_TIMEOUT_SECONDS", 10, 1, 300);
        int minBodyRateBytes = r.integer("TESELA_HTTP_MIN_BODY_RATE_BYTES", 1024, 0, 1024 * 1024);
        int bodyReaders = r.integer("TESELA_HTTP_BODY_READERS", 16, 1, 10_000);

        Path dataDir = r.path("TESELA_DATA_DIR", "./data").toAbsolutePath().normalize();
        String defaultDbUrl =
                "jdbc:h2:file:" + dataDir.resolve("db").resolve("tesela") + ";DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE";
        String dbUrl = r.string("TESELA_DB_URL", defaultDbUrl);
        if (!dbUrl.startsWith("jdbc:h2:")
                && !dbUrl.startsWith("jdbc:mariadb:")
                && !dbUrl.startsWith("jdbc:mysql:")
                && !dbUrl.startsWith("jdbc:postgresql:")) {
            r.problem(
                    "TESELA_DB_URL",
                    "must be a JDBC URL for H2 (jdbc:h2:), MariaDB/MySQL (jdbc:mariadb:, jdbc:mysql:) "
                            + "or PostgreSQL (jdbc:postgresql:)");
        }
        String dbUser = r.string("TESELA_DB_USER", dbUrl.startsWith("jdbc:h2:") ? "sa" : "");
        String dbPassword = r.string("TESELA_DB_PASSWORD", "");
        String prefix = r.string("TESELA_DB_TABLE_PREFIX", "tsl_");
        if (!TABLE_PREFIX.matcher(prefix).matches()) {
            r.problem(
                    "TESELA_DB_TABLE_PREFIX",
                    "must be 1-16 characters of a-z, 0-9 and _, starting with a letter, got '" + prefix + "'");
        }
        int poolSize = r.integer("TESELA_DB_POOL_SIZE", 10, 1, 200);
        boolean migrateOnStart = r.bool("TESELA_DB_MIGRATE_ON_START", true);
        int poolWaitMillis =
                r.integer("TESELA_DB_POOL_WAIT_MS", (int) TeselaConfig.Db.DEFAULT_POOL_WAIT.toMillis(), 250, 60_000);

        var redisUrl = r.uri("TESELA_REDIS_URL", "redis", "rediss");
        var encryptionKey = r.base64Key("TESELA_ENCRYPTION_KEY", 32);
        DeploymentContext context = r.oneOf(
                "TESELA_CONTEXT", DeploymentContext.SELF_HOSTED, DeploymentContext::byKey, "self-hosted or saas");

        String hostname = r.string("TESELA_HOSTNAME", "localhost:" + (port == 0 ? 8080 : port));
        if (!HOSTNAME.matcher(hostname).matches()) {
            r.problem(
                    "TESELA_HOSTNAME",
                    "must be a host name with an optional :port, such as images.example.com, got '" + hostname + "'");
        }
        boolean https = r.bool("TESELA_HTTPS", false);

        int failedLogins = r.integer("TESELA_LOGIN_FAILURES_PER_DAY", 25, 1, 100_000);
        int sessionIdleMinutes = r.integer("TESELA_SESSION_IDLE_MINUTES", 24 * 60, 5, 525_600);
        int cookieDays = r.integer("TESELA_LOGIN_COOKIE_DAYS", 30, 1, 3650);

        boolean tenantsEnabled = r.bool("TESELA_TENANTS_ENABLED", false);
        String providerName = r.string("TESELA_PROVIDER_NAME", "");
        String providerUrl = r.string("TESELA_PROVIDER_URL", "");
        String internalHostname =
                r.string("TESELA_INTERNAL_HOSTNAME", "localhost").toLowerCase(java.util.Locale.ROOT);
        if (!INTERNAL_HOSTNAME.matcher(internalHostname).matches()) {
            // Compared with the Host header without its port, and written into Traefik's Host(`...`) rule.
            r.problem(
                    "TESELA_INTERNAL_HOSTNAME",
                    "must be a host name without a port (letters, digits, dots and hyphens), "
                            + "such as admin.provider.example, got '" + internalHostname + "'");
        }
        Optional<String> routerSecret = r.raw("TESELA_ROUTER_SECRET");
        routerSecret
                .filter(secret -> secret.length() < 16)
                .ifPresent(secret -> r.problem("TESELA_ROUTER_SECRET", "must be at least 16 characters"));
        TeselaConfig.IsolationMode isolation = r.oneOf(
                "TESELA_TENANTS_DB_ISOLATION_MODE",
                TeselaConfig.IsolationMode.TABLE,
                TeselaConfig.IsolationMode::byKey,
                "table (also spelt prefix) or database");
        Map<String, TeselaConfig.DbServer> dbServers = dbServers(r);
        TeselaConfig.Enforced enforced = enforced(r);
        if (tenantsEnabled) {
            String why = "is required when TESELA_TENANTS_ENABLED=1";
            if (r.raw("TESELA_ENCRYPTION_KEY").isEmpty()) {
                r.problem("TESELA_ENCRYPTION_KEY", why + " (tenant secrets are encrypted with it)");
            }
            if (r.raw("TESELA_REDIS_URL").isEmpty()) {
                r.problem("TESELA_REDIS_URL", why + " (the tenant registry cache and sessions live in Redis)");
            }
            if (providerName.isEmpty()) {
                r.problem("TESELA_PROVIDER_NAME", why);
            }
            if (providerUrl.isEmpty()) {
                r.problem("TESELA_PROVIDER_URL", why);
            } else if (!providerUrl.startsWith("https://") && !providerUrl.startsWith("http://")) {
                r.problem("TESELA_PROVIDER_URL", "must be an http:// or https:// URL");
            }
        }

        TeselaConfig.Media media = media(r);
        TeselaConfig.Storage storage = new TeselaConfig.Storage(
                r.bool("TESELA_ENABLE_LOCAL_STORAGE", true),
                Duration.ofSeconds(r.integer("TESELA_STORAGE_TIMEOUT_SECONDS", 10, 1, 600)),
                r.integer("TESELA_STORAGE_MAX_CONCURRENCY", 16, 1, 1024));
        boolean jobsInServe = r.bool("TESELA_JOBS_IN_SERVE", false);
        String apiAllowList = r.string("TESELA_TENANTS_API_IP_ALLOW_LIST", "");
        try {
            dev.tesela.platform.security.IpAllowList.parse(apiAllowList);
        } catch (IllegalArgumentException e) {
            r.problem("TESELA_TENANTS_API_IP_ALLOW_LIST", "has " + e.getMessage());
        }
        Optional<String> apiRequestSecret = r.raw("TESELA_TENANTS_API_REQUEST_SECRET");
        apiRequestSecret
                .filter(secret -> secret.length() < 16)
                .ifPresent(secret -> r.problem("TESELA_TENANTS_API_REQUEST_SECRET", "must be at least 16 characters"));
        TeselaConfig.ApiSignature apiSignature = r.oneOf(
                "TESELA_TENANTS_API_SIGNATURE",
                TeselaConfig.ApiSignature.BODY,
                TeselaConfig.ApiSignature::byKey,
                "body or request");
        if (apiSignature == TeselaConfig.ApiSignature.REQUEST && apiRequestSecret.isEmpty()) {
            r.problem(
                    "TESELA_TENANTS_API_SIGNATURE",
                    "request needs TESELA_TENANTS_API_REQUEST_SECRET, the key requests are signed with");
        }

        TeselaConfig.Traefik traefik = traefik(r, port);

        r.throwIfProblems();
        return new TeselaConfig(
                new TeselaConfig.Http(
                        host,
                        port,
                        clientIpHeader,
                        maxRequestMb * 1024L * 1024L,
                        Duration.ofSeconds(headerTimeoutSeconds),
                        minBodyRateBytes,
                        bodyReaders),
                dataDir,
                new TeselaConfig.Db(
                        dbUrl,
                        dbUser,
                        dbPassword,
                        prefix,
                        poolSize,
                        migrateOnStart,
                        dbServers,
                        Duration.ofMillis(poolWaitMillis)),
                redisUrl,
                encryptionKey,
                context,
                new TeselaConfig.Site(hostname, https),
                new TeselaConfig.Auth(
                        failedLogins, Duration.ofMinutes(sessionIdleMinutes), Duration.ofDays(cookieDays)),
                new TeselaConfig.Tenants(
                        tenantsEnabled,
                        providerName,
                        providerUrl,
                        internalHostname,
                        routerSecret,
                        isolation,
                        enforced,
                        jobsInServe,
                        apiAllowList,
                        apiRequestSecret,
                        apiSignature,
                        traefik),
                media,
                storage);
    }

    /**
     * TESELA_DB_SERVERS names the database servers, besides the default one, on which tenants' own databases may
     * be placed; each name {@code n} is configured by TESELA_DB_SERVER_&lt;N&gt;_URL (required), _USER, _PASSWORD and
     * _POOL_SIZE, where &lt;N&gt; is the name in capitals with '-' written as '_'.
     */
    private static Map<String, TeselaConfig.DbServer> dbServers(ConfigReader r) {
        Map<String, TeselaConfig.DbServer> servers = new java.util.LinkedHashMap<>();
        for (String raw : r.string("TESELA_DB_SERVERS", "").split(",")) {
            String name = raw.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (!SERVER_NAME.matcher(name).matches() || name.equals("default")) {
                r.problem(
                        "TESELA_DB_SERVERS",
                        "server names must be 1-32 characters of a-z, 0-9, _ and -, and not 'default'; got '" + name
                                + "'");
                continue;
            }
            String key = "TESELA_DB_SERVER_"
                    + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            Optional<String> url = r.raw(key + "_URL");
            if (url.isEmpty()) {
                r.problem(key + "_URL", "is required: TESELA_DB_SERVERS names the server '" + name + "'");
                continue;
            }
            if (!url.get().startsWith("jdbc:h2:")
                    && !url.get().startsWith("jdbc:mariadb:")
                    && !url.get().startsWith("jdbc:mysql:")
                    && !url.get().startsWith("jdbc:postgresql:")) {
                r.problem(key + "_URL", "must be a JDBC URL for H2, MariaDB/MySQL or PostgreSQL");
                continue;
            }
            String user = r.string(key + "_USER", url.get().startsWith("jdbc:h2:") ? "sa" : "");
            String password = r.string(key + "_PASSWORD", "");
            int poolSize = r.integer(key + "_POOL_SIZE", 10, 1, 200);
            if (servers.put(name, new TeselaConfig.DbServer(name, url.get(), user, password, poolSize)) != null) {
                r.problem("TESELA_DB_SERVERS", "names the server '" + name + "' twice");
            }
        }
        return servers;
    }

    private static TeselaConfig.Media media(ConfigReader r) {
        int maxUploadMb = r.integer("TESELA_UPLOAD_MAX_MB", 100, 1, 16_384);
        int maxMegapixels = r.integer("TESELA_IMAGE_MAX_MEGAPIXELS", 150, 1, 10_000);
        int maxFrames = r.integer("TESELA_IMAGE_MAX_FRAMES", 1_000, 1, 100_000);
        int maxTotalMegapixels = r.integer("TESELA_IMAGE_MAX_TOTAL_MEGAPIXELS", 1_000, 1, 100_000);
        String engine = r.string("TESELA_IMAGE_ENGINE", "auto").toLowerCase(java.util.Locale.ROOT);
        if (!java.util.Set.of("auto", "vips", "java").contains(engine)) {
            r.problem("TESELA_IMAGE_ENGINE", "must be auto, vips or java, got '" + engine + "'");
        }
        int workers = r.integer("TESELA_IMAGE_WORKERS", Runtime.getRuntime().availableProcessors(), 1, 256);
        int queueWaitSeconds = r.integer("TESELA_IMAGE_QUEUE_WAIT_SECONDS", 20, 0, 600);
        boolean urlAllowPrivate = r.bool("TESELA_URL_UPLOAD_ALLOW_PRIVATE", false);
        int purgeSeconds = r.integer("TESELA_EXPIRED_PURGE_SECONDS", 60, 0, 86_400);
        // Per job; memory for image work is about 12 bytes × this × TESELA_IMAGE_WORKERS (docs/configuration.md).
        int jobMegapixels = r.integer("TESELA_IMAGE_JOB_MEGAPIXELS", maxMegapixels, 1, 10_000);
        int stagingGraceSeconds = r.integer("TESELA_STAGING_GRACE_SECONDS", 3_600, 0, 7 * 86_400);
        return new TeselaConfig.Media(
                maxUploadMb * 1024L * 1024L,
                maxMegapixels * 1_000_000L,
                maxFrames,
                maxTotalMegapixels * 1_000_000L,
                engine,
                workers,
                Duration.ofSeconds(queueWaitSeconds),
                urlAllowPrivate,
                Duration.ofSeconds(purgeSeconds),
                jobMegapixels * 1_000_000L,
                Duration.ofSeconds(stagingGraceSeconds));
    }

    /** The TESELA_TRAEFIK_* keys: the document GET /_/api/4/config/traefik serves. */
    private static TeselaConfig.Traefik traefik(ConfigReader r, int httpPort) {
        String serviceName = r.string("TESELA_TRAEFIK_SERVICE_NAME", "tesela");
        if (!DNS_LABEL.matcher(serviceName).matches()) {
            r.problem(
                    "TESELA_TRAEFIK_SERVICE_NAME",
                    "must be a host name label Traefik reaches Tesela by (1-63 letters, "
                            + "digits and inner hyphens, such as tesela), got '" + serviceName + "'");
        }
        int servicePort = r.integer("TESELA_TRAEFIK_SERVICE_PORT", httpPort == 0 ? 8080 : httpPort, 1, 65535);
        String entryPoint = r.string("TESELA_TRAEFIK_ENTRYPOINT", "web");
        if (!ENTRY_POINT.matcher(entryPoint).matches()) {
            r.problem(
                    "TESELA_TRAEFIK_ENTRYPOINT",
                    "must be a Traefik entry point name (1-64 letters, digits, _ and -, " + "such as web), got '"
                            + entryPoint + "'");
        }
        List<String> sourceRanges = new ArrayList<>();
        for (String raw :
                r.string("TESELA_TRAEFIK_IP_ALLOW_LIST", "0.0.0.0/0,::/0").split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equalsIgnoreCase(TeselaConfig.Traefik.CLOUDFLARE)) {
                sourceRanges.add(TeselaConfig.Traefik.CLOUDFLARE);
                continue;
            }
            try {
                dev.tesela.platform.security.IpAllowList.parse(entry);
                sourceRanges.add(entry);
            } catch (IllegalArgumentException e) {
                r.problem(
                        "TESELA_TRAEFIK_IP_ALLOW_LIST",
                        "has " + e.getMessage() + " (list IPs, CIDR ranges or the word "
                                + TeselaConfig.Traefik.CLOUDFLARE + ", separated by commas)");
            }
        }
        if (sourceRanges.isEmpty()
                && r.problems().stream().noneMatch(p -> p.key().equals("TESELA_TRAEFIK_IP_ALLOW_LIST"))) {
            r.problem(
                    "TESELA_TRAEFIK_IP_ALLOW_LIST",
                    "must list at least one IP, CIDR range or the word " + TeselaConfig.Traefik.CLOUDFLARE
                            + " (0.0.0.0/0,::/0 lets everyone in)");
        }
        return new TeselaConfig.Traefik(serviceName, servicePort, entryPoint, sourceRanges);
    }

    /** TESELA_TENANT_ENFORCED = {"limits": {...}, "env": {...}}, both parts optional. */
    private static boolean isBase64Key(String value, int length) {
        try {
            return java.util.Base64.getDecoder().decode(value.strip()).length == length;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static TeselaConfig.Enforced enforced(ConfigReader r) {
        Optional<String> text = r.raw("TESELA_TENANT_ENFORCED");
        if (text.isEmpty()) {
            return TeselaConfig.Enforced.NONE;
        }
        String shape =
                "must be a JSON object such as {\"limits\": {\"TESELA_MAX_USERS\": 100}, \"env\": {\"TESELA_SCHEDULER_INTERVAL\": \"600\"}}";
        try {
            JsonNode node = JSON.readTree(text.get());
            if (node == null || !node.isObject()) {
                r.problem("TESELA_TENANT_ENFORCED", shape);
                return TeselaConfig.Enforced.NONE;
            }
            for (String part : new String[] {"limits", "env"}) {
                if (node.has(part) && !node.get(part).isObject()) {
                    r.problem("TESELA_TENANT_ENFORCED", "'" + part + "' " + shape.substring("must be ".length()));
                    return TeselaConfig.Enforced.NONE;
                }
            }
            for (var field : node.properties()) {
                if (!field.getKey().equals("limits") && !field.getKey().equals("env")) {
                    r.problem(
                            "TESELA_TENANT_ENFORCED",
                            "has an unknown part '" + field.getKey() + "' (only limits and env)");
                    return TeselaConfig.Enforced.NONE;
                }
            }
            // Every tenant gets these limits: the same rules as a plan's or tenant's, checked here so that a typo stops
            // start-up instead of silently not applying.
            boolean limitsOk = true;
            for (var limit : node.path("limits").properties()) {
                var known = dev.tesela.platform.context.TenantLimits.Limit.byKey(limit.getKey());
                if (known.isEmpty()) {
                    r.problem(
                            "TESELA_TENANT_ENFORCED",
                            "limits '" + limit.getKey() + "' is not a limit (the limits are "
                                    + dev.tesela.platform.context.TenantLimits.Limit.keys() + ")");
                    limitsOk = false;
                    continue;
                }
                JsonNode value = limit.getValue();
                if (value.isNull()) {
                    continue;
                }
                try {
                    known.get()
                            .parse(
                                    value.isString()
                                            ? value.asString()
                                            : value.isNumber() ? value.numberValue() : value);
                } catch (IllegalArgumentException e) {
                    r.problem("TESELA_TENANT_ENFORCED", "limits " + e.getMessage());
                    limitsOk = false;
                }
            }
            if (!limitsOk) {
                return TeselaConfig.Enforced.NONE;
            }
            JsonNode env = node.path("env");
            JsonNode key = env.path("TESELA_ENCRYPTION_KEY");
            if (!key.isMissingNode() && !isBase64Key(key.asString(""), 32)) {
                // It would become every tenant's key root: a bad one must stop start-up, not every request.
                r.problem("TESELA_TENANT_ENFORCED", "env TESELA_ENCRYPTION_KEY must be the base64 of 32 bytes");
                return TeselaConfig.Enforced.NONE;
            }
            JsonNode isolation = env.path("TESELA_TENANTS_DB_ISOLATION_MODE");
            if (!isolation.isMissingNode()
                    && TeselaConfig.IsolationMode.byKey(isolation.asString("").strip()) == null) {
                r.problem(
                        "TESELA_TENANT_ENFORCED",
                        "env TESELA_TENANTS_DB_ISOLATION_MODE must be table (or prefix) or database");
                return TeselaConfig.Enforced.NONE;
            }
            return new TeselaConfig.Enforced(
                    node.has("limits") ? JSON.writeValueAsString(node.get("limits")) : "{}",
                    node.has("env") ? JSON.writeValueAsString(node.get("env")) : "{}");
        } catch (JacksonException e) {
            r.problem("TESELA_TENANT_ENFORCED", "is not valid JSON");
            return TeselaConfig.Enforced.NONE;
        }
    }

    private static Map<String, String> readPropertiesFile(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        Map<String, String> map = new HashMap<>();
        props.forEach((k, v) -> map.put(k.toString().trim(), v.toString()));
        return map;
    }
}
