package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.db.Transactions;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.settings.SettingsService;
import dev.tesela.storage.BlobStore;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;

/**
 * The one place the media feature reaches what belongs to the caller's tenant: its database, settings, limits,
 * public-id codec and file store. Every step asks here, so that when the tenant runtime carries these facts
 * ({@code rc.db()}, {@code rc.tenant().settings()/limits()/ids()/storage()}) each method below becomes one line and
 * nothing else in media changes. Thread-safe.
 */
final class PerTenant {
    private final TenantDatabases databases;
    private final SettingsService settings;
    private final PublicIdCodecs ids;
    private final TenantLimits limits;
    private final Function<TenantContext, BlobStore> stores;

    PerTenant(TenantDatabases databases, SettingsService settings, TenantLimits limits, Function<TenantContext, BlobStore> stores) {
        this.databases = databases;
        this.settings = settings;
        this.ids = new PublicIdCodecs();
        this.limits = limits;
        this.stores = stores;
    }

    /** The tenant's database, for single statements outside a transaction. */
    DSLContext db(RequestContext rc) {
        return databases.of(rc);
    }

    /**
     * {@code work} in one short transaction of the tenant's database, run again (at most 3 times) when the database
     * aborts it for a transient conflict: so it must do database work only, and build its result afresh each time.
     */
    <T> T transaction(RequestContext rc, TransactionalCallable<T> work) {
        return Transactions.inTransaction(databases.of(rc), work);
    }

    /** The site settings an upload needs: one read, so that every step of one upload sees the same values. */
    MediaSettings settings(RequestContext rc) {
        return MediaSettings.from(settings.all(rc));
    }

    /** The tenant's public-id codec. */
    PublicIds ids(RequestContext rc) {
        return ids.of(rc);
    }

    /** The tenant's limit, if it has one. */
    OptionalLong limit(RequestContext rc, TenantLimits.Limit limit) {
        return limits.of(rc.tenant(), limit);
    }

    /** Refuses with LIMIT_REACHED when {@code current} already reaches the tenant's {@code limit}. */
    void requireRoomFor(RequestContext rc, TenantLimits.Limit limit, long current) {
        limits.requireRoomFor(rc.tenant(), limit, current);
    }

    /** The tenant's file store. */
    BlobStore storage(RequestContext rc) {
        return storage(rc.tenant());
    }

    BlobStore storage(TenantContext tenant) {
        return stores.apply(tenant);
    }
}
