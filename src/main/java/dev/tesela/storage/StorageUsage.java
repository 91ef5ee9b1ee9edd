package dev.tesela.storage;

import dev.tesela.platform.db.TenantDb;

/**
 * The bytes each storage holds ({@code storages.used_bytes}), kept by the upload and deletion paths and recounted by
 * the upkeep job or the CLI: an upload reserves room for its files before it stores them and gives it back if it
 * fails; a deletion gives its files' room back. A crash between the two leaves the count off by that upload, which a
 * recount corrects. Each call is one statement in autocommit (on a free handle; a handle bound to a
 * transaction joins it): never hold a transaction around storage I/O to use these. Stateless, thread-safe.
 *
 * <p>The built-in folder (storage id null) has no row and no capacity: it always has room and nothing is counted.
 */
public final class StorageUsage {
    private static final StorageRepository REPOSITORY = new StorageRepository();

    private StorageUsage() {}

    /**
     * Counts {@code bytes} more on storage {@code storageId} if that stays within its capacity; returns whether it
     * did. One conditional UPDATE ({@code used_bytes + bytes <= capacity_bytes}), so concurrent uploads, on any
     * number of instances, never take a storage past its capacity together. False also when there is no such row.
     */
    public static boolean reserve(TenantDb db, Long storageId, long bytes) {
        requireBytes(bytes);
        return storageId == null || REPOSITORY.reserve(db.dsl(), storageId, bytes);
    }

    /** Counts {@code bytes} less on storage {@code storageId} (a failed upload, a deleted file); never below 0. */
    public static void release(TenantDb db, Long storageId, long bytes) {
        requireBytes(bytes);
        if (storageId != null) {
            REPOSITORY.release(db.dsl(), storageId, bytes);
        }
    }

    /**
     * Sets every storage's count to what its images take: main files ({@code images.byte_size}) and variants
     * ({@code image_variants.byte_size}). Files with no row (staged uploads) are not counted, and a reservation made
     * while this runs may be overwritten: run it when the counts drifted, not on every upload. Returns the number of
     * storages recounted.
     */
    public static int recount(TenantDb db) {
        return REPOSITORY.recount(db.dsl());
    }

    private static void requireBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
    }
}
