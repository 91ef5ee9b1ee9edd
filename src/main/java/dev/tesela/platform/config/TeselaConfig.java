package dev.tesela.platform.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole validated configuration. Built only by {@link ConfigLoader}; every component takes the record
 * (or the part of it) it owns.
 */
public record TeselaConfig(
        Http http,
        Path dataDir,
        Db db,
        Optional<URI> redisUrl,
        Optional<byte[]> encryptionKey,
        DeploymentContext context,
        Site site,
        Auth auth,
        Tenants tenants,
        Media media,
        Storage storage) {

    /**
     * Web server. {@code port} 0 picks a free port (tests). {@code clientIpHeader} empty = socket address.
     *
     * @param maxRequestBytes         largest request body; a larger declared Content-Length is refused unread
     * @param headerTimeout           longest time a client may take to send one request head (line and headers)
     * @param minBodyBytesPerSecond   a body arriving slower than this on average is cut off; 0 = no minimum
     * @param bodyReaders             large or unknown-length request bodies read at once; more are answered 503
     */
    public record Http(
            String host,
            int port,
            Optional<String> clientIpHeader,
            long maxRequestBytes,
            Duration headerTimeout,
            long minBodyBytesPerSecond,
            int bodyReaders) {}

    /**
     * Database. {@code url} is a JDBC URL (H2, MariaDB/MySQL or PostgreSQL). {@code tablePrefix} is the prefix
     * of the single-site tenant's tables; control-plane tables use {@code tablePrefix + "_"}. {@code poolWait} is the
     * longest a request waits for a connection (every pool, every server) before it is answered 503 with
     * Retry-After: the pool is busy, or the server does not accept connections.
     */
    public record Db(
            String url,
            String user,
            String password,
            String tablePrefix,
            int poolSize,
            boolean migrateOnStart,
            java.util.Map<String, DbServer> servers,
            Duration poolWait) {
        /** TESELA_DB_POOL_WAIT_MS when unset: under the 2 s in which a request that cannot be served must be answered. */
        public static final Duration DEFAULT_POOL_WAIT = Duration.ofMillis(1500);

        public Db {
            servers = java.util.Map.copyOf(servers);
        }

        /** A database with no named servers besides the default one, and the default pool wait. */
        public Db(String url, String user, String password, String tablePrefix, int poolSize, boolean migrateOnStart) {
            this(url, user, password, tablePrefix, poolSize, migrateOnStart, java.util.Map.of(), DEFAULT_POOL_WAIT);
        }
    }

    /**
     * A database server besides the default one (TESELA_DB_SERVERS), where provider mode may place tenants' own
     * databases. {@code url} is a JDBC URL as for TESELA_DB_URL; each server has one connection pool of
     * {@code poolSize}, shared by every tenant placed there.
     */
    public record DbServer(String name, String url, String user, String password, int poolSize) {
        @Override
        public String toString() {
            return "DbServer[" + name + ", " + url + "]";
        }
    }

    /** Public address of the site, used to build absolute URLs. */
    public record Site(String hostname, boolean https) {
        public String baseUrl() {
            return (https ? "https://" : "http://") + hostname;
        }
    }

    /**
     * Uploads and image processing, installation-wide. Hard caps over the per-site settings.
     *
     * @param maxUploadBytes      largest file accepted by any site, whatever its settings say
     * @param maxPixels           width × height of one frame; larger images are refused before decoding
     * @param maxFrames           frames of an animation
     * @param maxTotalPixels      width × height × frames of an animation
     * @param engine              {@code auto} (libvips when present, else Java), {@code vips} or {@code java}
     * @param workers             images processed at once
     * @param queueWait           how long an upload waits for a worker before it is answered 503 with Retry-After
     * @param urlAllowPrivate     URL uploads may reach loopback and private addresses (tests, intranets only)
     * @param purgeInterval       how often expired uploads are deleted by the in-process job; zero turns it off
     * @param jobPixels           the most pixels one processing job (one worker) may hold at once: decoded source,
     *                            intermediates and outputs, one frame at a time; uploads that would need more are
     *                            refused from their header, before decoding
     * @param stagingGrace        how long a staged upload file with no committed row is kept before recovery (at
     *                            start-up and by the storage upkeep job) deletes it; longer than any upload takes
     *                            from staging its files to committing its row
     */
    public record Media(
            long maxUploadBytes,
            long maxPixels,
            int maxFrames,
            long maxTotalPixels,
            String engine,
            int workers,
            Duration queueWait,
            boolean urlAllowPrivate,
            Duration purgeInterval,
            long jobPixels,
            Duration stagingGrace) {}

    /**
     * Storages (see {@code storage/SiteStorages}).
     *
     * @param localEnabled   TESELA_ENABLE_LOCAL_STORAGE: sites may keep files on this machine's disk (their built-in
     *                       folder and storages of api {@code local}); off, every file goes to an external storage
     * @param callTimeout    TESELA_STORAGE_TIMEOUT_SECONDS: the most one call to an external storage may take
     * @param maxConcurrency TESELA_STORAGE_MAX_CONCURRENCY: the most calls in flight at once on one external storage
     */
    public record Storage(boolean localEnabled, Duration callTimeout, int maxConcurrency) {}

    /** Sign-in policy. */
    public record Auth(int failedLoginsPerDay, Duration sessionIdle, Duration loginCookieLifetime) {}

    /**
     * Provider mode. When {@code enabled}, requests are routed to tenants by host name and the registry lives in
     * the control plane; {@code internalHostname} is the provider's own host (never a tenant's);
     * {@code routerSecret}, when set, lets a request that presents it choose its host with X-Forwarded-Host;
     * {@code jobsInServe} runs the tenants' jobs worker inside {@code serve} too; {@code apiIpAllowList} (IPs/CIDRs,
     * empty = all) and {@code apiRequestSecret} (signatures required when present, by {@code apiSignature}'s
     * scheme; {@link ApiSignature#REQUEST} only with a secret) guard the Tenants API; {@code traefik} shapes the
     * routing document the Tenants API serves to Traefik.
     */
    public record Tenants(
            boolean enabled,
            String providerName,
            String providerUrl,
            String internalHostname,
            Optional<String> routerSecret,
            IsolationMode isolation,
            Enforced enforced,
            boolean jobsInServe,
            String apiIpAllowList,
            Optional<String> apiRequestSecret,
            ApiSignature apiSignature,
            Traefik traefik) {}

    /** What a Tenants API request's {@code X-Signature} signs (TESELA_TENANTS_API_SIGNATURE). */
    public enum ApiSignature {
        /** The raw body only, as the reference does: a signature stays valid for any request with the same body. */
        BODY("body"),
        /** Method, path with query, the X-Signature-Timestamp header (within a short window) and the body. */
        REQUEST("request");

        private final String key;

        ApiSignature(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** The scheme named {@code key} (any case), or null. */
        public static ApiSignature byKey(String key) {
            for (ApiSignature s : values()) {
                if (s.key.equalsIgnoreCase(key)) {
                    return s;
                }
            }
            return null;
        }
    }

    /**
     * What {@code GET /_/api/4/config/traefik} tells Traefik: route to {@code http://<serviceName>:<servicePort>}
     * from entry point {@code entryPoint}, for clients in {@code sourceRanges}.
     *
     * @param serviceName  a host name label that reaches Tesela from Traefik (a Docker/Kubernetes service name); also
     *                     the Traefik service's name
     * @param servicePort  1–65535
     * @param sourceRanges IPs and CIDR ranges as the operator wrote them (each valid), in order, plus the token
     *                     {@link #CLOUDFLARE} where Cloudflare's published ranges belong; never empty
     */
    public record Traefik(String serviceName, int servicePort, String entryPoint, List<String> sourceRanges) {
        /** The word in TESELA_TRAEFIK_IP_ALLOW_LIST that stands for Cloudflare's published IPv4 and IPv6 ranges. */
        public static final String CLOUDFLARE = "cloudflare";

        public Traefik {
            sourceRanges = List.copyOf(sourceRanges);
        }
    }

    /**
     * TESELA_TENANT_ENFORCED: limits and env applied to every tenant over its own and its plan's values. Never
     * stored. {@code limitsJson} and {@code envJson} are JSON objects ("{}" when none).
     */
    public record Enforced(String limitsJson, String envJson) {
        public static final Enforced NONE = new Enforced("{}", "{}");
    }

    /** Where a tenant's tables live. */
    public enum IsolationMode {
        /** One shared database; each tenant's tables carry the prefix {@code <TESELA_DB_TABLE_PREFIX><tenant id>_}. */
        TABLE("table"),
        /**
         * A database of the tenant's own (a schema, in PostgreSQL and H2 terms), created when the tenant is
         * provisioned; its tables carry {@code TESELA_DB_TABLE_PREFIX} as in a single-site installation.
         */
        DATABASE("database");

        private final String key;

        IsolationMode(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static IsolationMode byKey(String key) {
            for (IsolationMode m : values()) {
                if (m.key.equalsIgnoreCase(key) || ("prefix".equalsIgnoreCase(key) && m == TABLE)) {
                    return m;
                }
            }
            return null;
        }
    }

    public boolean redisConfigured() {
        return redisUrl.isPresent();
    }
}
