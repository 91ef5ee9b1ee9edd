package dev.tesela.media;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.security.PublicIds;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.SiteStorages;
import dev.tesela.storage.Storage;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;

/**
 * What the media steps use of the caller's tenant, in one place: its runtime's data handle, settings snapshot,
 * limits and public-id codec ({@code rc.db()}, {@code rc.tenant()…}), and its storages. A storage's files are reached
 * through a function so that tests can put a failing store in front of the real one; in production it is the
 * storage's own ({@code Storage::store}). Stateless apart from that function and the listeners of deleted files;
 * thread-safe.
 */
final class PerTenant {
    private final Function<Storage, BlobStore> stores;
    /** Told of files being deleted ({@link #filesDeleted}). */
    private final List<BiConsumer<TenantContext, Collection<String>>> deletedFilesListeners =
            new CopyOnWriteArrayList<>();

    /** @param stores the file store of a storage ({@code Storage::store}) */
    PerTenant(Function<Storage, BlobStore> stores) {
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

    /** The tenant's storages. */
    SiteStorages storages(RequestContext rc) {
        return rc.tenant().storages();
    }

    /** Where {@code storage}'s files live. */
    BlobStore files(Storage storage) {
        return stores.apply(storage);
    }

    /**
     * Tells whoever keeps copies of the tenant's files (the file server's cache) that the files {@code keys} are being
     * deleted, so that this instance stops serving them at once. Call it right after the transaction that dropped
     * their rows commits, before the files themselves are deleted. Never fails.
     */
    void filesDeleted(RequestContext rc, Collection<String> keys) {
        for (var listener : deletedFilesListeners) {
            listener.accept(rc.tenant(), keys);
        }
    }

    /** Adds {@code listener} to those {@link #filesDeleted} tells (at wiring time). */
    void onFilesDeleted(BiConsumer<TenantContext, Collection<String>> listener) {
        deletedFilesListeners.add(listener);
    }
}
