package dev.tesela.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.TenantDb;
import dev.tesela.platform.error.Outages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jooq.exception.DataAccessException;

/**
 * Makes a site's {@link SiteStorages} when its runtime first needs them: reads its storages table in one query (when
 * something needs a row: the built-in folder alone needs no query) and
 * gives every row a store that opens on first use ({@link LazyBlobStore}: credentials are decrypted with the tenant's
 * key then, a client or folder made then). The built-in folder ({@code <data>/files/<tenant id>/}) is there unless
 * local storage is disabled: by TESELA_ENABLE_LOCAL_STORAGE=0 in the configuration (for every site), or in a
 * provider tenant's effective env (for that tenant). Thread-safe.
 */
public final class StorageLoader implements SiteStorages.Loader {
    /** The config key, also read from a provider tenant's env. */
    public static final String LOCAL_STORAGE_KEY = "TESELA_ENABLE_LOCAL_STORAGE";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StorageLoader.class);
    private static final StorageRepository REPOSITORY = new StorageRepository();
    /** Each site's rows as last read, for when its database cannot be reached (see {@link #rows}). Bounded. */
    private final Cache<String, SiteStorages.Rows> lastRead =
            Caffeine.newBuilder().maximumSize(100_000).build();

    private final boolean localEnabled;
    private final Path files;
    private final StorageStores stores;
    private final Supplier<RandomGenerator> random;

    /**
     * @param files  the parent of the sites' built-in folders ({@code <data>/files})
     * @param random the random source of each site's choice of storage (tests pass a seeded one)
     */
    public StorageLoader(
            TeselaConfig.Storage config, Path files, StorageStores stores, Supplier<RandomGenerator> random) {
        this.localEnabled = config.localEnabled();
        this.files = files;
        this.stores = stores;
        this.random = random;
    }

    public StorageLoader(TeselaConfig.Storage config, Path files, StorageStores stores) {
        this(config, files, stores, RandomGenerator::getDefault);
    }

    @Override
    public SiteStorages load(TenantContext.Identity identity, TenantDb db, Map<String, String> env) {
        boolean local = localEnabled && !disabledBy(env.get(LOCAL_STORAGE_KEY));
        Storage builtIn = local ? Storage.builtIn(builtInStore(files.resolve(identity.id()))) : null;
        var credentials = new StorageCredentials(identity.id(), identity.keys());
        return new SiteStorages(builtIn, () -> rows(identity, db, credentials), random.get());
    }

    /**
     * The site's rows: one query. While the database cannot be reached (an outage, see {@link Outages}), the rows
     * this loader last read for the site, not kept by the runtime, so a site's files keep being served as they were
     * before storages were data; a site never read before fails as the query did. A site whose schema has no
     * storages table (not created or not migrated yet) has none.
     */
    private SiteStorages.Rows rows(TenantContext.Identity identity, TenantDb db, StorageCredentials credentials) {
        String site = identity.id() + "@" + identity.placement();
        try {
            Map<Long, Storage> rows = new HashMap<>();
            Long siteFiles = null;
            for (StorageRow row : REPOSITORY.all(db.dsl())) {
                rows.put(row.id(), storage(row, credentials));
                if (row.forSiteFiles()) {
                    siteFiles = row.id();
                }
            }
            var read = new SiteStorages.Rows(rows, siteFiles);
            lastRead.put(site, read);
            return read;
        } catch (DataAccessException e) {
            if (missingTable(e)) {
                log.warn("Site {} has no storages table yet: its built-in folder only", identity.id());
                var none = new SiteStorages.Rows(Map.of(), null);
                lastRead.put(site, none);
                return none;
            }
            SiteStorages.Rows known = lastRead.getIfPresent(site);
            if (known != null && Outages.classify(e).isPresent()) {
                log.warn("Storages of site {} unreadable ({}); using the last read", identity.id(), e.getMessage());
                return new SiteStorages.Rows(known.byId(), known.siteFilesId(), false);
            }
            throw e;
        }
    }

    /** Whether {@code e} says the table does not exist (SQLSTATE 42S02: H2, MariaDB, MySQL; 42P01: PostgreSQL). */
    private static boolean missingTable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql
                    && ("42S02".equals(sql.getSQLState()) || "42P01".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a tenant env value of TESELA_ENABLE_LOCAL_STORAGE turns local storage off. */
    static boolean disabledBy(String value) {
        return value != null
                && switch (value.strip().toLowerCase(Locale.ROOT)) {
                    case "0", "false", "no", "off" -> true;
                    default -> false;
                };
    }

    /** Why {@code value} cannot be a tenant's TESELA_ENABLE_LOCAL_STORAGE, if it cannot (for the registry's checks). */
    public static Optional<String> envProblem(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "0", "false", "no", "off", "1", "true", "yes", "on" -> Optional.empty();
            default ->
                Optional.of(LOCAL_STORAGE_KEY + " must be 1/0, true/false, yes/no or on/off; got '" + value + "'.");
        };
    }

    private Storage storage(StorageRow row, StorageCredentials credentials) {
        String description = row.api() + ":" + row.id() + ":"
                + (row.external() ? row.endpoint().orElse("aws") + "/" + row.bucket() : row.bucket());
        BlobStore store = new LazyBlobStore(description, () -> stores.open(connection(row, credentials)));
        return new Storage(
                row.id(),
                row.name(),
                row.api(),
                store,
                row.publicUrl(),
                row.active(),
                row.capacityBytes(),
                row.usedBytes());
    }

    /** The row's connection, credentials decrypted. */
    static StorageConnection connection(StorageRow row, StorageCredentials credentials) {
        return new StorageConnection(
                row.api(),
                row.bucket(),
                row.region().orElse(StorageService.DEFAULT_REGION),
                row.endpoint().map(URI::create),
                row.keyPrefix(),
                row.keySealed()
                        .map(k -> credentials.open(row.id(), StorageCredentials.Field.KEY, k))
                        .orElse(""),
                row.secretSealed()
                        .map(s -> credentials.open(row.id(), StorageCredentials.Field.SECRET, s))
                        .orElse(""),
                row.pathStyle());
    }

    private static BlobStore builtInStore(Path root) {
        try {
            return new LocalBlobStore(root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the file store " + root, e);
        }
    }
}
