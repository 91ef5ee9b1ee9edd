package dev.tesela.tenancy;

import dev.tesela.platform.cache.FlushableCache;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.Limits;
import dev.tesela.platform.context.SiteState;
import dev.tesela.platform.context.TenantChanges;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.context.TenantResolver;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.db.TenantDb;
import dev.tesela.platform.db.TenantPlacement;
import dev.tesela.platform.error.Outages;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.SecretBox;
import dev.tesela.storage.SiteStorages;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jooq.exception.IntegrityConstraintViolationException;

/**
 * Resolves host names and tenant ids to tenant runtimes ({@link TenantContext}): the one place that makes them and
 * the one place that knows the deployment shape. A single site is a directory with one pinned tenant,
 * {@value TenantContext#DEFAULT_ID}, registered in the control plane like any other, whose tables carry the
 * configured prefix; every host name resolves to it. In provider mode host names are looked up in the registry.
 * Runtimes are kept in in-process caches that {@link #changed} / {@link #invalidateAll()} empty (the registry,
 * settings and install call it on every change, and the cache bus on every change made by another instance; a
 * lookup racing a change is not kept); entries also expire after a minute as a safety net. A runtime is replaced as a
 * whole, never patched. While the registry cannot be read, host names resolved before get their
 * last resolution (see {@link #resolve}), so a known tenant's files are still served during a database outage.
 * Thread-safe.
 */
public final class TenantDirectory implements TenantResolver, TenantChanges {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TenantDirectory.class);
    private static final Duration CACHE_TTL = Duration.ofMinutes(1);
    /** After the registry failed to answer, known host names are served from memory this long before it is asked again. */
    static final Duration REGISTRY_RETRY = Duration.ofSeconds(2);

    private final TenantRepository repository;
    private final TenantEnvironment environment;
    private final java.util.function.Predicate<String> serverExists;
    private final byte[] masterKey;
    private final String tablePrefix;
    private final boolean providerMode;
    private final String internalHostname;
    private final String siteHostname;
    private final String enforcedLimitsJson;
    private final TenantDatabases databases;
    private final SiteStorages.Loader storageFor;
    private final SiteState.Loader stateLoader;
    private final Clock clock;
    private final FlushableCache<String, Resolution> byHostname;
    /** Runtimes by tenant id (the pinned single-site tenant, and provider tenants asked for by id). */
    private final FlushableCache<String, Optional<TenantContext>> byId;
    /** Announces this instance's changes to the others (the cache bus's publish), or does nothing (no Redis). */
    private final java.util.function.Consumer<String> announce;
    /**
     * Every host name's latest resolution read from the registry, kept through invalidations and expiry: used only
     * while the registry cannot be read (see {@link #resolve}). Bounded like {@link #byHostname}.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, Resolution> lastKnown =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .maximumSize(100_000)
                    .build();
    /** System.nanoTime() of the latest failure to read the registry; far in the past when none. */
    private volatile long registryFailedAt = System.nanoTime() - REGISTRY_RETRY.toNanos() * 2;

    /**
     * @param tablePrefix      TESELA_DB_TABLE_PREFIX: the single site's prefix, and the start of every tenant's prefix
     * @param internalHostname the provider's own host name (provider mode), never resolved to a tenant
     * @param siteHostname     TESELA_HOSTNAME: the single site's public host name (with an optional :port)
     * @param announce         tells the other instances that a tenant changed (see {@link #changed})
     */
    TenantDirectory(
            TenantRepository repository,
            TenantEnvironment environment,
            java.util.function.Predicate<String> serverExists,
            String tablePrefix,
            byte[] masterKey,
            boolean providerMode,
            String internalHostname,
            String siteHostname,
            String enforcedLimitsJson,
            TenantDatabases databases,
            SiteStorages.Loader storageFor,
            SiteState.Loader stateLoader,
            java.util.function.Consumer<String> announce,
            Clock clock) {
        this.repository = repository;
        this.environment = environment;
        this.serverExists = serverExists;
        this.masterKey = masterKey.clone();
        this.tablePrefix = tablePrefix;
        this.providerMode = providerMode;
        this.internalHostname = internalHostname;
        this.siteHostname = siteHostname;
        this.enforcedLimitsJson = enforcedLimitsJson;
        this.databases = databases;
        this.storageFor = storageFor;
        this.stateLoader = stateLoader;
        this.announce = announce;
        this.clock = clock;
        this.byHostname = new FlushableCache<>(100_000, CACHE_TTL);
        this.byId = new FlushableCache<>(100_000, CACHE_TTL);
    }

    /**
     * The directory for an installation: control-plane tables under {@code App.controlPrefix}, tenants per
     * {@code config}; {@code announce} tells the other instances of a change (the cache bus's publish; a no-op without
     * Redis).
     */
    public static TenantDirectory create(
            Database database,
            String controlPrefix,
            TeselaConfig config,
            byte[] masterKey,
            TenantDatabases databases,
            SiteStorages.Loader storageFor,
            SiteState.Loader stateLoader,
            java.util.function.Consumer<String> announce,
            Clock clock) {
        var control = database.controlDsl(controlPrefix);
        var environment = new TenantEnvironment(
                new PlanRepository(control),
                new SecretBox(masterKey),
                config.tenants().enforced());
        java.util.function.Predicate<String> serverExists = name -> TenantPlacement.DEFAULT_SERVER.equals(name)
                || config.db().servers().containsKey(name);
        return new TenantDirectory(
                new TenantRepository(control),
                environment,
                serverExists,
                config.db().tablePrefix(),
                masterKey,
                config.tenants().enabled(),
                config.tenants().internalHostname(),
                config.site().hostname(),
                config.tenants().enforced().limitsJson(),
                databases,
                storageFor,
                stateLoader,
                announce,
                clock);
    }

    TenantRepository repository() {
        return repository;
    }

    TenantEnvironment environment() {
        return environment;
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
            repository.insert(new TenantRepository.Row(
                    TenantContext.DEFAULT_ID,
                    hostname,
                    null,
                    null,
                    null,
                    true,
                    now,
                    now,
                    null,
                    TenantRepository.Placement.TABLE));
        } catch (IntegrityConstraintViolationException registeredConcurrently) {
            // Another process (a second instance or the CLI) registered it between the check and the insert.
        }
    }

    /** The single site's tenant (its current runtime). Not a tenant of provider mode. */
    public TenantContext defaultTenant() {
        return byId.get(TenantContext.DEFAULT_ID, id -> Optional.of(pinnedTenant()))
                .orElseThrow();
    }

    /**
     * The runtime of tenant {@code id}, enabled or not: the one CLI commands and jobs act on (--tenant /
     * TESELA_TENANT). In a single site only {@value TenantContext#DEFAULT_ID} exists.
     */
    public Optional<TenantContext> byId(String id) {
        if (!providerMode) {
            return TenantContext.DEFAULT_ID.equals(id) ? Optional.of(defaultTenant()) : Optional.empty();
        }
        return byId.get(id, key -> repository.byId(key).map(this::context));
    }

    /** The tenants this directory serves without being asked for a host: the pinned single site, else none. */
    public java.util.List<TenantContext> pinnedTenants() {
        return providerMode ? java.util.List.of() : java.util.List.of(defaultTenant());
    }

    /**
     * Tenant {@code tenantId} changed (registry row, plan, settings, install, storages): its runtime is dropped here
     * at once and on every other instance through the cache bus, so the next request gets a new one.
     */
    @Override
    public void changed(String tenantId) {
        invalidateAll();
        announce.accept(tenantId);
    }

    /**
     * Resolves {@code hostname}. In provider mode, while the registry cannot be read (its database is down or its
     * pool exhausted), a host name resolved before gets its last known resolution, so a known tenant's files keep
     * being served; after such a failure the registry is not asked again for {@link #REGISTRY_RETRY} (requests of
     * known hosts do not each wait for the pool). A host never resolved before fails as the registry did (a 503).
     */
    @Override
    public Resolution resolve(String hostname) {
        if (!providerMode) {
            return new Resolution.Found(defaultTenant());
        }
        if (hostname.isEmpty() || hostname.equals(internalHostname)) {
            return new Resolution.Unknown();
        }
        if (System.nanoTime() - registryFailedAt < REGISTRY_RETRY.toNanos()) {
            Resolution known = lastKnown.getIfPresent(hostname);
            if (known != null) {
                return known;
            }
        }
        try {
            return byHostname.get(hostname, this::lookUp);
        } catch (RuntimeException e) {
            Resolution known = lastKnown.getIfPresent(hostname);
            if (known == null || Outages.classify(e).isEmpty()) {
                throw e;
            }
            registryFailedAt = System.nanoTime();
            log.warn("Tenant registry unreadable ({}); serving {} as last resolved", e.getMessage(), hostname);
            return known;
        }
    }

    /**
     * Forgets every cached runtime and resolution (on this instance only); the next request of each host reads the
     * registry. The cache bus calls it for changes announced by other instances.
     */
    public void invalidateAll() {
        byHostname.invalidateAll();
        byId.invalidateAll();
    }

    /**
     * The table prefix of tenant {@code id} in table isolation: the configured prefix, the id with '-' written as '_'
     * (unquoted SQL identifiers cannot hold '-'), and an underscore.
     */
    public String prefixFor(String tenantId) {
        return tablePrefix + tenantId.replace('-', '_') + "_";
    }

    /**
     * Where tenant {@code id}'s tables are, given its row's placement: under {@link #prefixFor} in the shared
     * database, or under the configured prefix in its own database, as in a single-site installation.
     */
    TenantPlacement placementOf(String id, TenantRepository.Placement placement) {
        return placement.ownDatabase()
                ? new TenantPlacement(placement.dbServer(), placement.dbName(), tablePrefix)
                : TenantPlacement.shared(prefixFor(id));
    }

    String internalHostname() {
        return internalHostname;
    }

    /** Number of cached host names (for metrics and benchmarks). */
    public long cachedHostnames() {
        return byHostname.estimatedSize();
    }

    private Resolution lookUp(String hostname) {
        Resolution resolution = readRegistry(hostname);
        lastKnown.put(hostname, resolution);
        return resolution;
    }

    private Resolution readRegistry(String hostname) {
        return repository
                .byHostname(hostname)
                .<Resolution>map(row -> {
                    if (!row.enabled()) {
                        return new Resolution.Disabled(row.id());
                    }
                    if (row.placement().ownDatabase()
                            && !serverExists.test(row.placement().dbServer())) {
                        String reason = "its database server '"
                                + row.placement().dbServer() + "' is not configured (TESELA_DB_SERVERS)";
                        log.error("Tenant {} cannot be served: {}", row.id(), reason);
                        return new Resolution.Unavailable(row.id(), reason);
                    }
                    return new Resolution.Found(context(row));
                })
                .orElseGet(Resolution.Unknown::new);
    }

    /** Ids of the tenants whose database server is not configured here: they cannot be served (see {@link #resolve}). */
    public java.util.List<String> tenantsOnMissingServers() {
        return repository.all().stream()
                .filter(row -> row.placement().ownDatabase()
                        && !serverExists.test(row.placement().dbServer()))
                .map(TenantRepository.Row::id)
                .toList();
    }

    /** A provider tenant's runtime: its row and plan (read once here) give its keys, limits and placement. */
    private TenantContext context(TenantRepository.Row row) {
        Optional<PlanRecord> plan = environment.planOf(row.planId());
        byte[] keyMaterial = environment.tenantKey(plan, row).orElse(masterKey);
        String limitsJson = environment.effectiveLimits(plan, row.limitsJson());
        return runtime(
                new TenantContext.Identity(
                        row.id(),
                        placementOf(row.id(), row.placement()),
                        keysFor(row.id(), keyMaterial),
                        row.hostname()),
                limitsJson,
                environment.effectiveEnv(plan, environment.tenantEnv(row)));
    }

    /** The single site's runtime: prefix, keys and host name from configuration, limits from TESELA_TENANT_ENFORCED. */
    private TenantContext pinnedTenant() {
        String id = TenantContext.DEFAULT_ID;
        return runtime(
                new TenantContext.Identity(
                        id, TenantPlacement.shared(tablePrefix), keysFor(id, masterKey), siteHostname),
                enforcedLimitsJson,
                java.util.Map.of());
    }

    /** @param env the tenant's effective env (provider mode), read by its storages (TESELA_ENABLE_LOCAL_STORAGE) */
    private TenantContext runtime(
            TenantContext.Identity identity, String limitsJson, java.util.Map<String, String> env) {
        TenantDb db = TenantDb.of(databases.of(identity.placement()));
        String id = identity.id();
        return new TenantContext(
                identity,
                new Limits(RegistryLimits.parse(id, limitsJson)),
                db,
                () -> storageFor.load(identity, db, env),
                stateLoader);
    }

    /**
     * Keys for {@code tenantId}, derived from {@code keyMaterial}: the tenant's own TESELA_ENCRYPTION_KEY when its
     * env has one, else the installation's master key. They differ for every tenant either way.
     */
    static TenantKeys keysFor(String tenantId, byte[] keyMaterial) {
        return new TenantKeys(
                Crypto.hkdf(keyMaterial, "tesela/" + tenantId + "/csrf", 32),
                Crypto.hkdf(keyMaterial, "tesela/" + tenantId + "/tokens", 32),
                Crypto.hkdf(keyMaterial, "tesela/" + tenantId + "/sessions", 32),
                Crypto.hkdf(keyMaterial, "tesela/" + tenantId + "/secrets", 32));
    }
}
