package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.storage.BlobStore;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;

/**
 * What the media steps use of the caller's tenant, in one place: its runtime's data handle, settings snapshot,
 * limits and public-id codec ({@code rc.db()}, {@code rc.tenant()…}), and its file store. The store comes through a
 * function so that tests can put a failing store in front of the real one; in production it is the runtime's own
 * ({@code TenantContext::storage}). Stateless apart from that function; thread-safe.
 */
final class PerTenant {
    private final Function<TenantContext, BlobStore> stores;

    /** @param stores the tenant's file store ({@code TenantContext::storage}) */
    PerTenant(Function<TenantContext, BlobStore> stores) {
        this.stores = stores;
    }

    /** The tenant's database, for single statements (joining the caller's transaction when it runs in one). */
    DSLContext db(RequestContext rc) {
        return rc.db().dsl();
    }

    /**
     * {@code work} in one short transaction of the tenant's database, run again (at most 3 times) when the database
     * aborts it for a transient conflict: so it must do database work only, and build its result afresh each time.
     */
    <T> T transaction(RequestContext rc, TransactionalCallable<T> work) {
        return rc.db().transaction(work);
    }

    /** The site settings an upload needs, from the runtime's snapshot: every step of one request sees the same values. */
    MediaSettings settings(RequestContext rc) {
        return MediaSettings.from(rc.tenant().settings());
    }

    /** The tenant's public-id codec. */
    PublicIds ids(RequestContext rc) {
        return rc.tenant().ids();
    }

    /** The tenant's limit, if it has one. */
    OptionalLong limit(RequestContext rc, TenantLimits.Limit limit) {
        return rc.tenant().limits().of(limit);
    }

    /** Refuses with LIMIT_REACHED when {@code current} already reaches the tenant's {@code limit}. */
    void requireRoomFor(RequestContext rc, TenantLimits.Limit limit, long current) {
        rc.tenant().limits().requireRoomFor(limit, current);
    }

    /** The tenant's file store. */
    BlobStore storage(RequestContext rc) {
        return storage(rc.tenant());
    }

    BlobStore storage(TenantContext tenant) {
        return stores.apply(tenant);
    }
}
