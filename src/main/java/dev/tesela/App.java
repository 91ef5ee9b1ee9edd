package dev.tesela;

import dev.tesela.account.AccountRoutes;
import dev.tesela.account.AccountService;
import dev.tesela.account.AuthEdge;
import dev.tesela.account.DbSessionStore;
import dev.tesela.account.RedisSessionStore;
import dev.tesela.account.SessionStore;
import dev.tesela.install.InstallRoutes;
import dev.tesela.imaging.ImageEngines;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.install.InstallService;
import dev.tesela.media.ApiV1Routes;
import dev.tesela.media.MediaStatistics;
import dev.tesela.media.StorageUpkeepJob;
import dev.tesela.media.MediaRoutes;
import dev.tesela.media.MediaService;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.LocalBlobStore;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.DatabaseServers;
import dev.tesela.platform.db.SchemaMigrator;
import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.metrics.Metrics;
import dev.tesela.platform.security.MasterKey;
import dev.tesela.platform.security.PasswordHasher;
import dev.tesela.platform.web.CookieWriter;
import dev.tesela.platform.web.Csrf;
import dev.tesela.platform.web.ErrorMapper;
import dev.tesela.platform.web.HealthRoutes;
import dev.tesela.platform.web.LayoutFactory;
import dev.tesela.platform.web.TenantEdge;
import dev.tesela.platform.web.Templates;
import dev.tesela.platform.web.WebServer;
import dev.tesela.settings.SettingsService;
import dev.tesela.site.SiteRoutes;
import dev.tesela.tenancy.JobsWorker;
import dev.tesela.tenancy.Placements;
import dev.tesela.tenancy.TenantStatsJob;
import dev.tesela.tenancy.TenantCacheBus;
import dev.tesela.tenancy.TenantDirectory;
import dev.tesela.tenancy.TenantRegistry;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * The composition root: every component is built here with {@code new}, in dependency order, and nowhere else.
 * The server and the CLI wire the same graph; the CLI just never starts the web server.
 */
public final class App implements AutoCloseable {
    public static final String VERSION = readVersion();

    public final TeselaConfig config;
    public final Database database;
    public final DatabaseServers databaseServers;
    public final SchemaMigrator migrator;
    public final TenantDirectory tenants;
    public final TenantRegistry registry;
    public final TenantDatabases tenantDatabases;
    public final SettingsService settings;
    public final AccountService accounts;
    public final InstallService installs;
    public final Metrics metrics;
    public final MediaService media;
    private final Clock clock;
    private volatile boolean closed;
    private final byte[] masterKey;
    private final Optional<RedisClient> redisClient;
    private final Optional<StatefulRedisConnection<String, String>> redis;
    private final Optional<TenantCacheBus> tenantBus;
    private final String sessionBackend;

    private App(TeselaConfig config, Clock clock) {
        this.config = config;
        byte[] masterKey = MasterKey.load(config.encryptionKey(), config.dataDir());
        this.masterKey = masterKey;
        this.database = new Database(config.db(), "tesela");
        this.databaseServers = new DatabaseServers(database, config.db().servers());
        this.migrator = new SchemaMigrator(databaseServers);
        this.tenantDatabases = new TenantDatabases(databaseServers);
        java.nio.file.Path files = config.dataDir().resolve("files");
        this.tenants = TenantDirectory.create(database, controlPrefix(config), config, masterKey, tenantDatabases,
                id -> localStore(files.resolve(id)), SettingsService::loadState, clock);
        // Commands time out after ~1 s and fail at once while Redis is down; the client reconnects by itself.
        this.redisClient = config.redisUrl().map(dev.tesela.platform.cache.RedisClients::create);
        this.redis = redisClient.map(RedisClient::connect);
        // Every instance sharing Redis replaces a tenant's runtime when any of them announces a change.
        TenantDirectory directory = tenants;
        this.tenantBus = redisClient.map(client -> new TenantCacheBus(client, redis.orElseThrow(), "tesela:", directory::invalidateAll));
        tenantBus.ifPresent(bus -> directory.announceThrough(bus::publish));
        this.registry = new TenantRegistry(tenants, migrator,
                new Placements(config.tenants().isolation(), databaseServers::exists, config.db().tablePrefix()), clock);
        SessionStore sessions = redis.<SessionStore>map(c -> new RedisSessionStore(c, "tesela:"))
                .orElseGet(() -> new DbSessionStore(tenantDatabases, clock));
        this.sessionBackend = redis.isPresent() ? "redis" : "database";
        this.settings = new SettingsService(tenants, clock);
        this.accounts = new AccountService(sessions, PasswordHasher.OWASP, config.auth(), clock);
        this.installs = new InstallService(settings, accounts, VERSION, clock);
        this.metrics = new Metrics();
        this.clock = clock;
        this.media = MediaService.create(ImageEngines.lazy(config.media().engine(), new PixelBudget(config.media().jobPixels())),
                config.media(), config.dataDir().resolve("tmp").resolve("uploads"), TenantContext::storage, clock);
    }

    /** The local store of a tenant's files: {@code <data>/files/<tenant id>/}. (S3 storages are their own issue.) */
    private static BlobStore localStore(java.nio.file.Path root) {
        try {
            return new LocalBlobStore(root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the file store " + root, e);
        }
    }

    /**
     * Starts the in-process background work of {@code serve}: the jobs worker (storage upkeep — expired uploads, the
     * deletion queue, interrupted uploads — then statistics), for the single site every
     * {@code TESELA_EXPIRED_PURGE_SECONDS} (0: off), for a provider's tenants when {@code TESELA_JOBS_IN_SERVE=1}
     * (else they run as {@code tesela tenants jobs:worker}).
     */
    public void startBackgroundJobs() {
        boolean run = config.tenants().enabled() ? config.tenants().jobsInServe() : !config.media().purgeInterval().isZero();
        if (!run) {
            return;
        }
        java.time.Duration poll = config.tenants().enabled() ? java.time.Duration.ofSeconds(5)
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
        return new StorageUpkeepJob(media, config.media().stagingGrace());
    }

    /**
     * What {@code serve} does before it takes requests, after a crash or not: empties this process's scratch
     * directories ({@code <data>/tmp/uploads} and {@code <data>/tmp/multipart}) and, for a single site, recovers its
     * interrupted uploads (staged files published or, past the grace period, discarded). In provider mode the
     * tenants' jobs worker recovers each tenant's uploads. Returns the number of staged files recovered.
     */
    public int recoverAtStartup() {
        MediaService.sweepTemporaryFiles(config.dataDir().resolve("tmp").resolve("uploads"));
        MediaService.sweepTemporaryFiles(config.dataDir().resolve("tmp").resolve("multipart"));
        int recovered = 0;
        for (TenantContext tenant : tenants.pinnedTenants()) {
            recovered += storageUpkeepJob().recover(systemContext(tenant));
        }
        return recovered;
    }

    /** Keys of the Tenants API (provider mode), stored in the control plane. */
    public dev.tesela.tenancy.TenantApiKeys tenantApiKeys() {
        return new dev.tesela.tenancy.TenantApiKeys(database.controlDsl(controlPrefix(config)), masterKey, clock);
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
        java.time.Duration defaultInterval = config.tenants().enabled() || config.media().purgeInterval().isZero()
                ? JobsWorker.DEFAULT_INTERVAL : config.media().purgeInterval();
        return new JobsWorker(registry, tenants, List.of(storageUpkeepJob(), statsJob()), this::systemContext, defaultInterval);
    }

    /** The statistics job: each feature counts its own data. */
    public TenantStatsJob statsJob() {
        return new TenantStatsJob(registry, List.of(accounts, new MediaStatistics(), new dev.tesela.site.SiteStatistics()));
    }

    /** Builds the whole application for {@code config}. Connects to the database pool lazily; Redis at once. */
    public static App wire(TeselaConfig config) {
        return new App(config, Clock.systemUTC());
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
        int applied = migrator.migrate(Schema.CONTROL, controlPrefix(config));
        if (tenants.providerMode()) {
            return applied;
        }
        applied += migrator.migrateTenant(tenants.defaultTenant().placement());
        tenants.registerDefaultTenant(config.site().hostname().replaceFirst(":[0-9]+$", ""));
        return applied;
    }

    public TenantContext defaultTenant() {
        return tenants.defaultTenant();
    }

    /** A system context for CLI commands and jobs on {@code tenant}. */
    public RequestContext systemContext(TenantContext tenant) {
        return RequestContext.system(tenant, "cli-" + dev.tesela.platform.security.Crypto.randomBase62(8));
    }

    /** The web server with every route of the product. */
    public WebServer webServer() {
        Templates templates = new Templates();
        CookieWriter cookies = new CookieWriter(config.site().https());
        Csrf csrf = new Csrf(cookies, ApiV1Routes.KEY_AUTHENTICATED_PATHS);
        LayoutFactory layouts = new LayoutFactory(rc -> settings.get(rc, "website_name"), csrf);
        ErrorMapper errors = new ErrorMapper(templates, layouts);
        AuthEdge authEdge = new AuthEdge(accounts, cookies, ApiV1Routes.KEY_AUTHENTICATED_PATHS);
        InstallRoutes installRoutes = new InstallRoutes(installs, accounts, templates, layouts, cookies, config.context());

        Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        checks.put("database", database::ping);
        redis.ifPresent(c -> checks.put("redis", () -> "PONG".equals(c.sync().ping())));
        Map<String, java.util.function.Supplier<String>> info = new LinkedHashMap<>();
        String vendor = database.vendor().name().toLowerCase(java.util.Locale.ROOT);
        String mode = tenants.providerMode() ? "provider" : "single-site";
        info.put("version", () -> VERSION);
        info.put("database", () -> vendor);
        info.put("sessions", () -> sessionBackend);
        info.put("mode", () -> mode);
        info.put("image_engine", media::engineDescription); // chosen on first use: libvips loads when first needed

        var uploadsTemp = config.dataDir().resolve("tmp").resolve("multipart");
        var bodies = new dev.tesela.platform.web.RequestBodies(config.http().maxRequestBytes(), config.http().bodyReaders(),
                uploadsTemp, config.media().maxUploadBytes());
        return new WebServer(config.http(), config.site().https(), new TenantEdge(tenants, config.http(), config.tenants().routerSecret()),
                List.of(authEdge::handle, installRoutes::gate, csrf::check),
                // Media first: direct file URLs are the hottest route, and Javalin tries routes in registration order.
                List.of(new MediaRoutes(media, templates, layouts, config.site().https(), clock),
                        new HealthRoutes(checks, info, metrics, HealthRoutes.detailsFor(tenants.providerMode()
                                || config.context() == dev.tesela.platform.config.DeploymentContext.SAAS, config.tenants().internalHostname())),
                        installRoutes,
                        new AccountRoutes(accounts, templates, layouts, cookies, config.auth().loginCookieLifetime()),
                        new SiteRoutes(settings, templates, layouts, poweredBy()),
                        new ApiV1Routes(media, authEdge, bodies, uploadsTemp, config.site().https(), clock),
                        tenantsApi()),
                errors, metrics,
                new WebServer.Uploads(bodies, ApiV1Routes.KEY_AUTHENTICATED_PATHS));
    }

    /** The Tenants API on the internal host name in provider mode; no routes at all otherwise. */
    private dev.tesela.platform.web.Routes tenantsApi() {
        if (!tenants.providerMode()) {
            return routes -> { };
        }
        var traefik = new dev.tesela.tenancy.TraefikDynamicConfig(registry, config.tenants().traefik(),
                config.tenants().internalHostname());
        return new dev.tesela.tenancy.TenantsApiRoutes(registry, tenantApiKeys(), installs, tenantAccounts(), traefik,
                this::systemContext, config.tenants().internalHostname(), config.tenants().apiIpAllowList(),
                config.tenants().apiRequestSecret(), config.tenants().apiSignature(), clock);
    }

    /** What /powered-by shows: the provider (when one is configured) and this software. */
    private dev.tesela.site.PoweredBy poweredBy() {
        String name = config.tenants().providerName();
        String url = config.tenants().providerUrl();
        return new dev.tesela.site.PoweredBy(name.isBlank() ? null : name, url.isBlank() ? null : url, VERSION,
                config.context() != dev.tesela.platform.config.DeploymentContext.SAAS);
    }

    public String sessionBackend() {
        return sessionBackend;
    }

    @Override
    public void close() {
        closed = true;
        tenantBus.ifPresent(TenantCacheBus::close);
        redis.ifPresent(StatefulRedisConnection::close);
        redisClient.ifPresent(dev.tesela.platform.cache.RedisClients::shutdown);
        databaseServers.close();
        database.close();
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
