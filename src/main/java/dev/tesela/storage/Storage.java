package dev.tesela.storage;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One storage of a site as its runtime knows it: a row of its {@code storages} table, or the site's built-in local
 * folder ({@code <data>/files/<tenant id>/}, {@link #id} null, the storage of every image whose row names none).
 *
 * @param id            the row's id; null for the built-in local folder
 * @param name          what the site's admin calls it
 * @param api           {@code local} or {@code s3}
 * @param store         where its files live
 * @param publicUrl     base URL its files are served from directly (bucket website or CDN, ending in '/'); empty when
 *                      its files are served through Tesela ({@code /images/<key>})
 * @param active        whether it takes new uploads
 * @param capacityBytes its capacity; empty for unlimited
 * @param usedBytes     bytes its files take, as recorded (when the runtime was made)
 */
public record Storage(
        Long id,
        String name,
        String api,
        BlobStore store,
        Optional<String> publicUrl,
        boolean active,
        OptionalLong capacityBytes,
        long usedBytes) {

    public static final String LOCAL = "local";
    public static final String S3 = "s3";

    /** The built-in local folder of a site, serving through Tesela, active, unlimited. */
    public static Storage builtIn(BlobStore store) {
        return new Storage(null, "local", LOCAL, store, Optional.empty(), true, OptionalLong.empty(), 0);
    }

    public boolean builtInFolder() {
        return id == null;
    }

    /** Whether its files are on another service (not this machine's disk). */
    public boolean external() {
        return !LOCAL.equals(api);
    }

    @Override
    public String toString() {
        return "Storage[" + (id == null ? "built-in" : id) + " " + name + " " + store.describe() + "]";
    }
}
