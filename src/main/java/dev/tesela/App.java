package dev.tesela;

import dev.tesela.account.AccountRoutes;
import dev.tesela.account.AccountService;
import dev.tesela.account.AuthEdge;
import dev.tesela.account.DbSessionStore;
import dev.tesela.account.RedisSessionStore;
import dev.tesela.account.SessionStore;
import dev.tesela.imaging.ImageEngines;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.install.InstallRoutes;
import dev.tesela.install.InstallService;
import dev.tesela.media.ApiV1Routes;
import dev.tesela.media.MediaRoutes;
import dev.tesela.media.MediaService;
import dev.tesela.media.MediaStatistics;
import dev.tesela.media.StorageUpkeepJob;
import dev.tesela.platform.cache.Redis;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.SchemaMigrator;
import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.metrics.Metrics;
import dev.tesela.platform.security.PasswordHasher;
import dev.tesela.platform.web.CookieWriter;
import dev.tesela.platform.web.Csrf;
import dev.tesela.platform.web.ErrorMapper;
import dev.tesela.platform.web.HealthRoutes;
import dev.tesela.platform.web.LayoutFactory;
import dev.tesela.platform.web.Templates;
import dev.tesela.platform.web.TenantEdge;
import dev.tesela.platform.web.WebServer;
import dev.tesela.settings.SettingsService;
import dev.tesela.site.SiteRoutes;
import dev.tesela.storage.S3BlobStore;
import dev.tesela.storage.SiteStorages;
import dev.tesela.storage.Storage;
import dev.tesela.storage.StorageLoader;
import dev.tesela.storage.StorageService;
import dev.tesela.storage.StorageStores;
import dev.tesela.tenancy.JobsWorker;
import dev.tesela.tenancy.Placements;
import dev.tesela.tenancy.TenantCacheBus;
import dev.tesela.tenancy.TenantDirectory;
import dev.tesela.tenancy.TenantRegistry;
import dev.tesela.tenancy.TenantStatsJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The composition root: every component is built here with {@code new}, in dependency order, and nowhere else:
 * the {@link Platform} (configuration, keys, database servers, Redis; nothing connected yet), then the tenancy layer
 * and the features ({@link #build}), then, for {@code serve}, the web server ({@link #webServer()}). The server and the
 * CLI wire the same graph: {@link #wire} for an instance that serves (Redis connected at once, listening for other
 * instances' tenant changes), {@link #forCommand} for one CLI command (a pool or Redis only when the command uses
 * them). Callers get the parts through accessors; nothing is handed out before the graph is complete.
 */
public final class App implements AutoCloseable {
    public static final String VERSION = readVersion();

    private final Platform platform;
    private final TenantDatabases tenantDatabases;
    private final TenantDirectory tenants;
    private final Optional<TenantCacheBus> tenantBus;
    private final TenantRegistry registry;
    private final SettingsService settings;
    private final AccountService accounts;
    private final InstallService installs;
    private final MediaService media;
    private final StorageService storages;
    private volatile boolean closed;

    private App(
            Platform platform,
            TenantDatabases tenantDatabases,
            TenantDirectory tenants,
            Optional<TenantCacheBus> tenantBus,
            TenantRegistry registry,
            SettingsService settings,
            AccountService accounts,
            InstallService installs,
            MediaService media,
            StorageService storages) {
        this.platform = platform;
        this.tenantDatabases = tenantDatabases;
        this.tenants = tenants;
        this.tenantBus = tenantBus;
        this.registry = registry;
        this.settings = settings;
        this.accounts = accounts;
        this.installs = installs;
        this.media = media;
        this.storages = storages;
    }

    /**
     * The application of an instance that serves (and of tests that stand in for one): connects to Redis at once, so
     * an unreachable Redis fails the start, and listens for the tenant changes of other instances. The database pool
     * opens on the first query.
     */
    public static App wire(TeselaConfig config) {
        return wire(config, UnaryOperator.identity());
    }

    /**
     * {@link #wire}, with every site's storages passed through {@code storages} as its runtime is made: for tests that
     * put other stores beside or in front of the real ones (a remote store that counts its reads, or fails).
     */
    public static App wire(TeselaConfig config, UnaryOperator<SiteStorages> storages) {
        App app = build(Platform.open(config, Clock.systemUTC()), storages);
        try {
            app.platform.redis().ifPresent(Redis::connection);
            app.listenForTenantChanges();
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * The application of one CLI command: the same graph, with every connection made on first use (a command that
     * only reads the registry opens its pool and nothing else; Redis only to announce a change) and no listening.
     */
    public static App forCommand(TeselaConfig config) {
        return build(Platform.open(config, Clock.systemUTC()), UnaryOperator.identity());
    }

    /** Builds the tenancy layer and the features on {@code platform}, in dependency order. Connects nothing. */
    private static App build(Platform platform, UnaryOperator<SiteStorages> storages) {
        TeselaConfig config = platform.config();
        Clock clock = platform.clock();
        try {
            var tenantDatabases = new TenantDatabases(platform.databaseServers());
            // Every instance sharing Redis replaces a tenant's runtime when any of them announces a change.
            Optional<TenantCacheBus> bus = platform.redis().map(redis -> new TenantCacheBus(redis, "tesela:"));
            Consumer<String> announce = id -> bus.ifPresent(b -> b.publish(id));
            Path files = config.dataDir().resolve("files");
            var stores = new StorageStores(S3BlobStore::new, config.storage());
            var loader = new StorageLoader(config.storage(), files, stores);
            var tenants = TenantDirectory.create(
                    platform.database(),
                    platform.controlPrefix(),
                    config,
                    platform.masterKey(),
                    tenantDatabases,
                    (identity, db, env) -> storages.apply(loader.load(identity, db, env)),
                    SettingsService::loadState,
                    announce,
                    clock);
            var registry = new TenantRegistry(
                    tenants,
                    platform.migrator(),
                    new Placements(
                            config.tenants().isolation(),
                            platform.databaseServers()::exists,
                            config.db().tablePrefix()),
                    clock);
            SessionStore sessions = platform.redis()
                    .<SessionStore>map(redis -> new RedisSessionStore(redis::connection, "tesela:"))
                    .orElseGet(() -> new DbSessionStore(tenantDatabases, clock));
            var settings = new SettingsService(tenants, clock);
            var accounts = new AccountService(sessions, PasswordHasher.OWASP, config.auth(), clock);
            var installs = new InstallService(settings, accounts, VERSION, clock);
            var media = MediaService.create(
                    ImageEngines.lazy(
                            config.media().engine(),
                            new PixelBudget(config.media().jobPixels())),
                    config.media(),
                    config.dataDir().resolve("tmp").resolve("uploads"),
                    Storage::store,
                    clock);
            var storageService = new StorageService(
                    stores, tenants, clock, config.dataDir().resolve("tmp").resolve("storage-tests"));
            return new App(
                    platform,
                    tenantDatabases,
                    tenants,
                    bus,
                    registry,
                    settings,
                    accounts,
                    installs,
                    media,
                    storageService);
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    /**
     * Makes this instance drop its tenant runtimes whenever any instance announces a change (with Redis; nothing
     * otherwise). {@link #wire} does it; a long-running command (the jobs worker) asks for it.
     */
    public void listenForTenantChanges() {
        tenantBus.ifPresent(bus -> bus.listen(tenants::invalidateAll));
    }

    public TeselaConfig config() {
        return platform.config();
    }

    /** The default database server (it holds the control plane). */
    public Database database() {
        return platform.database();
    }

    public SchemaMigrator migrator() {
        return platform.migrator();
    }

    public TenantDatabases tenantDatabases() {
        return tenantDatabases;
    }

    public TenantDirectory tenants() {
        return tenants;
    }

    public TenantRegistry registry() {
        return registry;
    }

    public SettingsService settings() {
        return settings;
    }

    public AccountService accounts() {
        return accounts;
    }

    public InstallService installs() {
        return installs;
    }

    /** The site storages' use cases (tesela storage-*). */
    public StorageService storages() {
        return storages;
    }

    public MediaService media() {
        return media;
    }

    /** Where sessions live: "redis" or "database". */
    public String sessionBackend() {
        return platform.redis().isPresent() ? "redis" : "database";
    }

    /**
     * Starts the in-process background work of {@code serve}: the jobs worker (storage upkeep — expired uploads, the
     * deletion queue, interrupted uploads — then statistics), for the single site every
     * {@code TESELA_EXPIRED_PURGE_SECONDS} (0: off), for a provider's tenants when {@code TESELA_JOBS_IN_SERVE=1}
     * (else they run as {@code tesela tenants jobs:worker}).
     */
    public void startBackgroundJobs() {
        TeselaConfig config = platform.config();
        boolean run = config.tenants().enabled()
                ? config.tenants().jobsInServe()
                : !config.media().purgeInterval().isZero();
        if (!run) {
            return;
        }
        java.time.Duration poll = config.tenants().enabled()
                ? java.time.Duration.ofSeconds(5)
                : min(java.time.Duration.ofSeconds(5), config.media().purgeInterval());
        JobsWorker worker = jobsWorker();
        Thread.ofPlatform().daemon().name("jobs-worker").start(() -> {
            try {
                worker.runUntil(poll, () -> closed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static java.time.Duration min(java.time.Duration a, java.time.Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private StorageUpkeepJob storageUpkeepJob() {
        return new StorageUpkeepJob(media, platform.config().media().stagingGrace());
    }

    /**
     * What {@code serve} does before it takes requests, after a crash or not: empties this process's scratch
     * directories ({@code <data>/tmp/uploads} and {@code <data>/tmp/multipart}) and, for a single site, recovers its
     * interrupted uploads (staged files published or, past the grace period, discarded). In provider mode the
     * tenants' jobs worker recovers each tenant's uploads. Returns the number of staged files recovered.
     */
    public int recoverAtStartup() {
        Path tmp = platform.config().dataDir().resolve("tmp");
        MediaService.sweepTemporaryFiles(tmp.resolve("uploads"));
        MediaService.sweepTemporaryFiles(tmp.resolve("multipart"));
        int recovered = 0;
        for (TenantContext tenant : tenants.pinnedTenants()) {
            recovered += storageUpkeepJob().recover(systemContext(tenant));
        }
        return recovered;
    }

    /** Keys of the Tenants API (provider mode), stored in the control plane. */
    public dev.tesela.tenancy.TenantApiKeys tenantApiKeys() {
        return new dev.tesela.tenancy.TenantApiKeys(
                platform.database().controlDsl(platform.controlPrefix()), platform.masterKey(), platform.clock());
    }

    /** The provider's actions on users inside a tenant (Tenants API and CLI). */
    public dev.tesela.tenancy.TenantAccounts tenantAccounts() {
        return new dev.tesela.tenancy.TenantAccounts(registry, installs, accounts, this::systemContext);
    }

    /**
     * The jobs worker: storage upkeep, then statistics, per due tenant, each at most once per its interval
     * ({@code TESELA_SCHEDULER_INTERVAL} in its effective env; by default 5 minutes for a provider's tenants and
     * {@code TESELA_EXPIRED_PURGE_SECONDS} for the single site).
     */
    public JobsWorker jobsWorker() {
        TeselaConfig config = platform.config();
        java.time.Duration defaultInterval =
                config.tenants().enabled() || config.media().purgeInterval().isZero()
                        ? JobsWorker.DEFAULT_INTERVAL
                        : config.media().purgeInterval();
        return new JobsWorker(
                registry, tenants, List.of(storageUpkeepJob(), statsJob()), this::systemContext, defaultInterval);
    }

    /** The statistics job: each feature counts its own data. */
    public TenantStatsJob statsJob() {
        return new TenantStatsJob(
                registry, List.of(accounts, new MediaStatistics(), new dev.tesela.site.SiteStatistics()));
    }

    /** Prefix of the control-plane tables: the site prefix plus one underscore (tsl_ → tsl__tenants). */
    public static String controlPrefix(TeselaConfig config) {
        return config.db().tablePrefix() + "_";
    }

    /**
     * Brings the control plane to the current version and, in single-site mode, the site's schema too (in provider
     * mode tenants migrate with {@code tenants database:migrate}); returns the number of migrations applied.
     */
    public int migrate() {
        SchemaMigrator migrator = platform.migrator();
        int applied = migrator.migrate(Schema.CONTROL, platform.controlPrefix());
        if (tenants.providerMode()) {
            return applied;
        }
        applied += migrator.migrateTenant(tenants.defaultTenant().placement());
        tenants.registerDefaultTenant(platform.config().site().hostname().replaceFirst(":[0-9]+$", ""));
        return applied;
    }

    public TenantContext defaultTenant() {
        return tenants.defaultTenant();
    }

    /** A system context for CLI commands and jobs on {@code tenant}. */
    public RequestContext systemContext(TenantContext tenant) {
        return RequestContext.system(tenant, "cli-" + dev.tesela.platform.security.Crypto.randomBase62(8));
    }

    /** The web server with every route of the product (not started); its templates, edges and metrics are made here. */
    public WebServer webServer() {
        TeselaConfig config = platform.config();
        Clock clock = platform.clock();
        Database database = platform.database();
        Metrics metrics = new Metrics();
        Templates templates = new Templates();
        CookieWriter cookies = new CookieWriter(config.site().https());
        Csrf csrf = new Csrf(cookies, ApiV1Routes.KEY_AUTHENTICATED_PATHS);
        LayoutFactory layouts = new LayoutFactory(rc -> settings.get(rc, "website_name"), csrf);
        ErrorMapper errors = new ErrorMapper(templates, layouts);
        AuthEdge authEdge = new AuthEdge(accounts, cookies, ApiV1Routes.KEY_AUTHENTICATED_PATHS);
        InstallRoutes installRoutes =
                new InstallRoutes(installs, accounts, templates, layouts, cookies, config.context());

        Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        checks.put("database", database::ping);
        platform.redis()
                .ifPresent(redis -> checks.put(
                        "redis", () -> "PONG".equals(redis.connection().sync().ping())));
        Map<String, java.util.function.Supplier<String>> info = new LinkedHashMap<>();
        String vendor = database.vendor().name().toLowerCase(java.util.Locale.ROOT);
        String mode = tenants.providerMode() ? "provider" : "single-site";
        String sessions = sessionBackend();
        info.put("version", () -> VERSION);
        info.put("database", () -> vendor);
        info.put("sessions", () -> sessions);
        info.put("mode", () -> mode);
        info.put("image_engine", media::engineDescription); // chosen on first use: libvips loads when first needed

        var uploadsTemp = config.dataDir().resolve("tmp").resolve("multipart");
        var bodies = new dev.tesela.platform.web.RequestBodies(
                config.http().maxRequestBytes(),
                config.http().bodyReaders(),
                uploadsTemp,
                config.media().maxUploadBytes());
        return new WebServer(
                config.http(),
                config.site().https(),
                new TenantEdge(tenants, config.http(), config.tenants().routerSecret()),
                List.of(authEdge::handle, installRoutes::gate, csrf::check),
                // Media first: direct file URLs are the hottest route, and Javalin tries routes in registration order.
                List.of(
                        new MediaRoutes(media, templates, layouts, config.site().https(), clock),
                        new HealthRoutes(
                                checks,
                                info,
                                metrics,
                                HealthRoutes.detailsFor(
                                        tenants.providerMode()
                                                || config.context()
                                                        == dev.tesela.platform.config.DeploymentContext.SAAS,
                                        config.tenants().internalHostname())),
                        installRoutes,
                        new AccountRoutes(
                                accounts,
                                templates,
                                layouts,
                                cookies,
                                config.auth().loginCookieLifetime()),
                        new SiteRoutes(settings, templates, layouts, poweredBy()),
                        new ApiV1Routes(
                                media,
                                authEdge,
                                bodies,
                                uploadsTemp,
                                config.site().https(),
                                clock),
                        tenantsApi()),
                errors,
                metrics,
                new WebServer.Uploads(bodies, ApiV1Routes.KEY_AUTHENTICATED_PATHS));
    }

    /** The Tenants API on the internal host name in provider mode; no routes at all otherwise. */
    private dev.tesela.platform.web.Routes tenantsApi() {
        TeselaConfig config = platform.config();
        if (!tenants.providerMode()) {
            return routes -> {};
        }
        var traefik = new dev.tesela.tenancy.TraefikDynamicConfig(
                registry, config.tenants().traefik(), config.tenants().internalHostname());
        return new dev.tesela.tenancy.TenantsApiRoutes(
                registry,
                tenantApiKeys(),
                installs,
                tenantAccounts(),
                traefik,
                this::systemContext,
                config.tenants().internalHostname(),
                config.tenants().apiIpAllowList(),
                config.tenants().apiRequestSecret(),
                config.tenants().apiSignature(),
                platform.clock());
    }

    /** What /powered-by shows: the provider (when one is configured) and this software. */
    private dev.tesela.site.PoweredBy poweredBy() {
        TeselaConfig config = platform.config();
        String name = config.tenants().providerName();
        String url = config.tenants().providerUrl();
        return new dev.tesela.site.PoweredBy(
                name.isBlank() ? null : name,
                url.isBlank() ? null : url,
                VERSION,
                config.context() != dev.tesela.platform.config.DeploymentContext.SAAS);
    }

    /** Stops the background jobs and closes what the platform opened (Redis, then the pools). */
    @Override
    public void close() {
        closed = true;
        platform.close();
    }

    private static String readVersion() {
        try (InputStream in = App.class.getResourceAsStream("/tesela-build.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
