package dev.tesela.tenancy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.context.TenantResolver;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.security.Crypto;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jooq.exception.IntegrityConstraintViolationException;

/**
 * Resolves host names and tenant ids to tenants. In single-site mode there is one tenant,
 * {@value TenantContext#DEFAULT_ID}, registered in the control plane like any other, whose tables carry the
 * configured prefix; every host name resolves to it. In provider mode host names are looked up in the registry
 * through an in-process cache that {@link #invalidateAll()} empties (the registry calls it on every change, and
 * the cache bus on every change made by another instance); entries also expire after a minute as a safety net.
 * Thread-safe.
 */
public final class TenantDirectory implements TenantResolver {
    private static final Duration CACHE_TTL = Duration.ofMinutes(1);

    private final TenantRepository repository;
    private final byte[] masterKey;
    private final String tablePrefix;
    private final boolean providerMode;
    private final String internalHostname;
    private final TenantContext defaultTenant;
    private final Clock clock;
    private final Cache<String, Resolution> byHostname;

    /**
     * @param tablePrefix      TESELA_DB_TABLE_PREFIX: the single site's prefix, and the start of every tenant's prefix
     * @param internalHostname the provider's own host name (provider mode), never resolved to a tenant
     */
    TenantDirectory(TenantRepository repository, String tablePrefix, byte[] masterKey, boolean providerMode,
                    String internalHostname, Clock clock) {
        this.repository = repository;
        this.masterKey = masterKey.clone();
        this.tablePrefix = tablePrefix;
        this.providerMode = providerMode;
        this.internalHostname = internalHostname;
        this.clock = clock;
        this.defaultTenant = new TenantContext(TenantContext.DEFAULT_ID, tablePrefix, keysFor(TenantContext.DEFAULT_ID));
        this.byHostname = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(CACHE_TTL).build();
    }

    /** The directory for an installation: control-plane tables under {@code App.controlPrefix}, tenants per {@code config}. */
    public static TenantDirectory create(Database database, String controlPrefix, TeselaConfig config, byte[] masterKey, Clock clock) {
        return new TenantDirectory(new TenantRepository(database.controlDsl(controlPrefix)), config.db().tablePrefix(), masterKey,
                config.tenants().enabled(), config.tenants().internalHostname(), clock);
    }

    TenantRepository repository() {
        return repository;
    }

    public boolean providerMode() {
        return providerMode;
    }

    /** Registers the single-site tenant in the control plane if it is not there yet. Idempotent. */
    public void registerDefaultTenant(String hostname) {
        if (repository.byId(TenantContext.DEFAULT_ID).isPresent()) {
            return;
        }
        var now = clock.instant();
        try {
            repository.insert(new TenantRepository.Row(TenantContext.DEFAULT_ID, hostname, null, null, null, true, now, now, null));
        } catch (IntegrityConstraintViolationException registeredConcurrently) {
            // Another process (a second instance or the CLI) registered it between the check and the insert.
        }
    }

    /** The single site's tenant. Not a tenant of provider mode. */
    public TenantContext defaultTenant() {
        return defaultTenant;
    }

    /** The tenant with {@code id}, enabled or not: the one CLI commands act on with --tenant / TESELA_TENANT. */
    public Optional<TenantContext> byId(String id) {
        if (!providerMode) {
            return TenantContext.DEFAULT_ID.equals(id) ? Optional.of(defaultTenant) : Optional.empty();
        }
        return repository.byId(id).map(row -> context(row.id()));
    }

    @Override
    public Resolution resolve(String hostname) {
        if (!providerMode) {
            return new Resolution.Found(defaultTenant);
        }
        if (hostname.isEmpty() || hostname.equals(internalHostname)) {
            return new Resolution.Unknown();
        }
        return byHostname.get(hostname, this::lookUp);
    }

    /** Forgets every cached resolution; the next request of each host reads the registry. */
    public void invalidateAll() {
        byHostname.invalidateAll();
    }

    /**
     * The table prefix of tenant {@code id}: the configured prefix, the id with '-' written as '_' (unquoted SQL
     * identifiers cannot hold '-'), and an underscore.
     */
    public String prefixFor(String tenantId) {
        return tablePrefix + tenantId.replace('-', '_') + "_";
    }

    String internalHostname() {
        return internalHostname;
    }

    /** Number of cached host names (for metrics and benchmarks). */
    public long cachedHostnames() {
        return byHostname.estimatedSize();
    }

    private Resolution lookUp(String hostname) {
        return repository.byHostname(hostname)
                .<Resolution>map(row -> row.enabled() ? new Resolution.Found(context(row.id())) : new Resolution.Disabled(row.id()))
                .orElseGet(Resolution.Unknown::new);
    }

    private TenantContext context(String id) {
        return new TenantContext(id, prefixFor(id), keysFor(id));
    }

    /** Keys for {@code tenantId}, derived from the installation's master key; differ for every tenant. */
    TenantKeys keysFor(String tenantId) {
        return new TenantKeys(
                Crypto.hkdf(masterKey, "tesela/" + tenantId + "/csrf", 32),
                Crypto.hkdf(masterKey, "tesela/" + tenantId + "/tokens", 32),
                Crypto.hkdf(masterKey, "tesela/" + tenantId + "/sessions", 32));
    }

}
