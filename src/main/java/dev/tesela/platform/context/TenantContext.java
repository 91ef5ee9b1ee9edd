package dev.tesela.platform.context;

import dev.tesela.platform.db.TenantDb;
import dev.tesela.platform.db.TenantPlacement;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.storage.SiteStorages;
import java.util.function.Supplier;

/**
 * The tenant runtime: everything known about one resolved site, in one immutable object that the tenant directory
 * makes and the web edge (or the CLI, or the jobs worker) puts into the {@link RequestContext}. Nothing downstream
 * looks tenant facts up again or keeps a per-tenant cache of its own: any change (registry row, plan, settings,
 * install) makes the directory replace the whole object on every instance (see {@link TenantChanges}).
 *
 * <ul>
 *   <li>{@code placement}: where the tenant's tables live; only the data layer reads it, services use {@link #db()}.
 *   <li>{@code keys}: secrets derived for this tenant alone, so a token minted for one tenant fails on another.
 *   <li>{@code hostname}: the site's public host name from configuration (TESELA_HOSTNAME, with its optional
 *       {@code :port}, for the single site; the registered host name of a provider's tenant). Absolute links are
 *       built from it, never from a request's Host header.
 *   <li>{@link #limits()}: its effective limits; {@link #db()}: its data handle; {@link #storages()}: its storages.
 *   <li>{@link #state()}: its settings and install markers, read from its own tables on first use (files are
 *       served without ever reading them), then kept for the life of this object. A failed read is not kept, and
 *       neither is the state of a site that is not installed yet: installing is the one change a runtime in use
 *       must see at once (the installer's own request goes on as the installed site's), and such a site has few
 *       requests to read it for.
 * </ul>
 * Thread-safe.
 */
public final class TenantContext {
    public static final String DEFAULT_ID = "default";
    /** Padding of public ids (see PublicIds): part of every published URL, so it never changes. */
    public static final int PUBLIC_ID_PADDING = 999;

    private final String id;
    private final TenantPlacement placement;
    private final TenantKeys keys;
    private final String hostname;
    private final Limits limits;
    private final TenantDb db;
    private final Lazy<SiteStorages> storages;
    private final Lazy<SiteState> state;
    private final Lazy<PublicIds> ids;

    /** The parts that do not depend on the tenant's own tables. */
    public record Identity(String id, TenantPlacement placement, TenantKeys keys, String hostname) {}

    /**
     * @param storages  makes the tenant's storages (called on first use, kept when it succeeds)
     * @param stateLoader reads the tenant's settings and install markers from {@code db} (on first use)
     */
    public TenantContext(
            Identity identity,
            Limits limits,
            TenantDb db,
            Supplier<SiteStorages> storages,
            SiteState.Loader stateLoader) {
        this(
                identity,
                limits,
                db,
                new Lazy<>(storages),
                new Lazy<>(
                        () -> stateLoader.load(db),
                        state -> state.installedVersion().isPresent()),
                null);
    }

    /** A tenant known only by its identity (session-store tests): no data, no files, no state. */
    public TenantContext(String id, TenantPlacement placement, TenantKeys keys, String hostname) {
        this(
                new Identity(id, placement, keys, hostname),
                Limits.NONE,
                null,
                new Lazy<>(() -> {
                    throw new IllegalStateException("tenant " + id + " has no storages here");
                }),
                new Lazy<>(() -> {
                    throw new IllegalStateException("tenant " + id + " has no data here");
                }),
                null);
    }

    /** {@code ids}: shared with the runtime this one is a copy of, or null to make it from {@code state}. */
    private TenantContext(
            Identity identity,
            Limits limits,
            TenantDb db,
            Lazy<SiteStorages> storages,
            Lazy<SiteState> state,
            Lazy<PublicIds> ids) {
        this.id = identity.id();
        this.placement = identity.placement();
        this.keys = identity.keys();
        this.hostname = identity.hostname();
        this.limits = limits;
        this.db = db;
        this.storages = storages;
        this.state = state;
        this.ids = ids != null
                ? ids
                : new Lazy<>(() -> new PublicIds(
                        state.get()
                                .idSalt()
                                .orElseThrow(() ->
                                        new AppException(ErrorCode.NOT_INSTALLED, "This site is not installed yet.")),
                        PUBLIC_ID_PADDING));
    }

    public String id() {
        return id;
    }

    public TenantPlacement placement() {
        return placement;
    }

    public TenantKeys keys() {
        return keys;
    }

    public String hostname() {
        return hostname;
    }

    public Limits limits() {
        return limits;
    }

    /** The tenant's data handle (free, or bound to an open transaction: see {@link #withDb}). */
    public TenantDb db() {
        if (db == null) {
            throw new IllegalStateException("tenant " + id + " has no data handle here");
        }
        return db;
    }

    /** The tenant's storages (its storages table and built-in local folder), read on first use. */
    public SiteStorages storages() {
        return storages.get();
    }

    /** Settings and install markers, read on first use. */
    public SiteState state() {
        return state.get();
    }

    public SiteSettings settings() {
        return state().settings();
    }

    public boolean installed() {
        return state().installedVersion().isPresent();
    }

    /** The public-id codec (salted per tenant at install). Throws NOT_INSTALLED before the site is installed. */
    public PublicIds ids() {
        return ids.get();
    }

    /** This runtime with its data handle replaced (bound to a transaction); everything else shared. */
    public TenantContext withDb(TenantDb other) {
        return new TenantContext(new Identity(id, placement, keys, hostname), limits, other, storages, state, ids);
    }

    @Override
    public String toString() {
        return "TenantContext[" + id + "]";
    }

    /** Computes a value on first use and keeps it if {@code keep} says so; a failure is thrown to that caller, not kept. */
    private static final class Lazy<T> {
        private final Supplier<T> supplier;
        private final java.util.function.Predicate<T> keep;
        private volatile T value;

        Lazy(Supplier<T> supplier) {
            this(supplier, v -> true);
        }

        Lazy(Supplier<T> supplier, java.util.function.Predicate<T> keep) {
            this.supplier = supplier;
            this.keep = keep;
        }

        T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = supplier.get();
                        if (keep.test(v)) {
                            value = v;
                        }
                    }
                }
            }
            return v;
        }
    }
}
