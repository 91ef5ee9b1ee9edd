package dev.tesela.storage;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A site's storages, part of its runtime ({@code TenantContext#storages()}): the rows of its {@code storages} table
 * and its built-in local folder. Made once per runtime, so any change to a storage (add, edit, enable, disable,
 * delete) goes through {@code TenantChanges#changed}, which replaces the runtime. Immutable; thread-safe.
 *
 * <p>SKELETON (lead): this first version knows the built-in folder only; the storages-as-data stream fills it from
 * the table (see {@code StorageRepository}), with the spreading of new uploads over the active storages.
 */
public final class SiteStorages {
    private final Storage builtIn;
    private final Map<Long, Storage> rows;

    /**
     * @param builtIn the site's built-in local folder, or null when local storage is disabled
     *                ({@code TESELA_ENABLE_LOCAL_STORAGE=0})
     * @param rows    the rows of its storages table, by id
     */
    public SiteStorages(Storage builtIn, Map<Long, Storage> rows) {
        this.builtIn = builtIn;
        this.rows = Map.copyOf(rows);
    }

    /** Makes a site's storages for its runtime (reading its storages table through {@code db}). */
    @FunctionalInterface
    public interface Loader {
        SiteStorages load(
                dev.tesela.platform.context.TenantContext.Identity identity, dev.tesela.platform.db.TenantDb db);
    }

    /** A site with its built-in local folder only. */
    public static SiteStorages builtInOnly(BlobStore local) {
        return new SiteStorages(Storage.builtIn(local), Map.of());
    }

    /**
     * The storage an image's row names ({@code images.storage_id}; null = the built-in folder). A row naming a
     * storage that is not there (deleted meanwhile) or the built-in folder when local storage is disabled: an
     * {@link AppException} NOT_FOUND.
     */
    public Storage byId(Long id) {
        Storage storage = id == null ? builtIn : rows.get(id);
        if (storage == null) {
            throw new AppException(ErrorCode.NOT_FOUND, "No such storage: " + (id == null ? "local" : id));
        }
        return storage;
    }

    /** The storage an image's row names, or empty (see {@link #byId}). */
    public Optional<Storage> find(Long id) {
        return Optional.ofNullable(id == null ? builtIn : rows.get(id));
    }

    /**
     * The storage that takes a new upload of about {@code bytes} bytes: one of the active storages of the table,
     * spread by free capacity; the built-in folder when none is active (and local storage is enabled). Refuses with
     * an {@link AppException} when no storage can take it.
     */
    public Storage forUpload(long bytes) {
        return forUpload(bytes, java.util.Set.of());
    }

    /**
     * {@link #forUpload(long)} leaving out the storages of {@code full} (ids of storages found full when the upload
     * tried to reserve room on them: this runtime's used bytes are a snapshot).
     */
    public Storage forUpload(long bytes, java.util.Set<Long> full) {
        if (builtIn == null) {
            throw new AppException(ErrorCode.UNAVAILABLE, "No storage takes uploads on this site.");
        }
        return builtIn;
    }

    /** The storage of the site's own files (logo, avatars, covers). */
    public Storage forSiteFiles() {
        return forUpload(0);
    }

    /** The built-in local folder, if local storage is enabled. */
    public Optional<Storage> builtIn() {
        return Optional.ofNullable(builtIn);
    }

    /** The rows of the storages table, by id ascending. */
    public List<Storage> rows() {
        return rows.values().stream()
                .sorted(java.util.Comparator.comparing(Storage::id))
                .toList();
    }

    /** Whether the site has no storage but its built-in folder (files are served without looking rows up). */
    public boolean onlyBuiltIn() {
        return rows.isEmpty();
    }

    /** How many storages of the table are active and external (for TESELA_MIN_STORAGES_ACTIVE). */
    public long activeExternal() {
        return rows.values().stream().filter(s -> s.active() && s.external()).count();
    }
}
