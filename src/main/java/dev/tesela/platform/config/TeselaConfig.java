package dev.tesela.platform.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
        Auth auth) {

    /** Web server. {@code port} 0 picks a free port (tests). {@code clientIpHeader} empty = socket address. */
    public record Http(String host, int port, Optional<String> clientIpHeader, long maxRequestBytes) {}

    /**
     * Database. {@code url} is a JDBC URL (H2, MariaDB/MySQL or PostgreSQL). {@code tablePrefix} is the prefix
     * of the single-site tenant's tables; control-plane tables use {@code tablePrefix + "_"}.
     */
    public record Db(String url, String user, String password, String tablePrefix, int poolSize, boolean migrateOnStart) {}

    /** Public address of the site, used to build absolute URLs. */
    public record Site(String hostname, boolean https) {
        public String baseUrl() {
            return (https ? "https://" : "http://") + hostname;
        }
    }

    /** Sign-in policy. */
    public record Auth(int failedLoginsPerDay, Duration sessionIdle, Duration loginCookieLifetime) {}

    public boolean redisConfigured() {
        return redisUrl.isPresent();
    }
}
