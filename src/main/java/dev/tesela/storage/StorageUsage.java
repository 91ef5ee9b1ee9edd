package dev.tesela.storage;

import static dev.tesela.platform.db.schema.tenant.Tables.STORAGES;

import dev.tesela.platform.db.TenantDb;
import org.jooq.impl.DSL;

/**
 * The bytes each storage of the table holds ({@code storages.used_bytes}), kept by single statements outside any
 * transaction that does storage I/O: an upload reserves room for its files before it stores them and gives it back
 * if it fails; a deletion gives its files' room back. A crash between the two leaves the count off by that upload,
 * which a recount corrects. The built-in local folder (no row) is not counted. Stateless.
 */
public final class StorageUsage {
    private StorageUsage() {}

    /**
     * Adds {@code bytes} to the storage's count if it stays within its capacity (an unlimited storage always has
     * room), in one conditional UPDATE; false when the storage is full (or gone).
     */
    public static boolean reserve(TenantDb db, long storageId, long bytes) {
        return db.dsl()
                        .update(STORAGES)
                        .set(STORAGES.USED_BYTES, STORAGES.USED_BYTES.plus(bytes))
                        .where(STORAGES.ID.eq(storageId))
                        .and(STORAGES.CAPACITY_BYTES
                                .isNull()
                                .or(STORAGES.USED_BYTES.plus(bytes).le(STORAGES.CAPACITY_BYTES)))
                        .execute()
                == 1;
    }

    /** Takes {@code bytes} off the storage's count, never below zero. */
    public static void release(TenantDb db, long storageId, long bytes) {
        db.dsl()
                .update(STORAGES)
                .set(STORAGES.USED_BYTES, DSL.greatest(DSL.inline(0L), STORAGES.USED_BYTES.minus(bytes)))
                .where(STORAGES.ID.eq(storageId))
                .execute();
    }
}
