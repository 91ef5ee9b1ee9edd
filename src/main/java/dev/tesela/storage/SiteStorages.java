package dev.tesela.storage;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A site's storages, part of its runtime ({@code TenantContext#storages()}): the rows of its {@code storages} table
 * (read by {@link StorageLoader} in one query when the runtime first needs them: the built-in folder alone needs none) and its built-in local folder. Made
 * once per runtime, so any change to a storage (add, edit, enable, disable, delete) goes through
 * {@code TenantChanges#changed}, which replaces the runtime. Immutable (but for its random source); thread-safe.
 *
 * <p>Byte counts are those of the moment the runtime was made: {@link #forUpload} uses them to choose, the upload
 * path then reserves the bytes for real with {@link StorageUsage#reserve}, which cannot take a storage past its
 * capacity even when runtimes disagree.
 */
public final class SiteStorages {
    /** What an unlimited storage weighs when no active storage has a capacity: 1 TiB of free space. */
    static final long UNLIMITED_WEIGHT = 1L << 40;

    private final Storage builtIn;
    private final Supplier<Rows> rowSource;
    private final RandomGenerator random;
    private volatile Rows loaded;

    /**
     * The rows of the storages table, by id, and the one flagged for the site's own files (or null).
     *
     * @param keep whether the runtime keeps them (false for rows last read before the database became unreachable:
     *             asked again on the next need)
     */
    public record Rows(Map<Long, Storage> byId, Long siteFilesId, boolean keep) {
        public Rows {
            byId = Map.copyOf(byId);
        }

        public Rows(Map<Long, Storage> byId, Long siteFilesId) {
            this(byId, siteFilesId, true);
        }
    }

    /**
     * @param builtIn the site's built-in local folder, or null when local storage is disabled
     *                ({@code TESELA_ENABLE_LOCAL_STORAGE=0})
     * @param rows    the rows of its storages table, by id
     */
    public SiteStorages(Storage builtIn, Map<Long, Storage> rows) {
        this(builtIn, rows, null, RandomGenerator.getDefault());
    }

    /**
     * @param siteFilesId the row flagged {@code for_site_files}, or null
     * @param random      draws the storage of each upload (tests pass a seeded one)
     */
    public SiteStorages(Storage builtIn, Map<Long, Storage> rows, Long siteFilesId, RandomGenerator random) {
        this(builtIn, () -> new Rows(rows, siteFilesId), random);
    }

    /**
     * The storages of a site whose table is read on first need ({@code rows}: one query; a failure is thrown to that
     * caller and not kept, the next call reads again). The built-in folder needs no query, so files of the built-in
     * folder are served without the database, as before storages were data.
     */
    public SiteStorages(Storage builtIn, Supplier<Rows> rows, RandomGenerator random) {
        this.builtIn = builtIn;
        this.rowSource = rows;
        this.random = random;
    }

    private Rows table() {
        Rows r = loaded;
        if (r == null) {
            synchronized (this) {
                r = loaded;
                if (r == null) {
                    r = rowSource.get();
                    if (r.keep()) {
                        loaded = r;
                    }
                }
            }
        }
        return r;
    }

    /**
     * Makes a site's storages for its runtime (reading its storages table through {@code db}).
     * {@code env} is the tenant's effective env in provider mode (plan &lt; tenant &lt; enforced; empty for the
     * single site): its {@code TESELA_ENABLE_LOCAL_STORAGE=0} turns local storage off for that tenant alone.
     */
    @FunctionalInterface
    public interface Loader {
        SiteStorages load(
                dev.tesela.platform.context.TenantContext.Identity identity,
                dev.tesela.platform.db.TenantDb db,
                Map<String, String> env);
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
        Storage storage = id == null ? builtIn : table().byId().get(id);
        if (storage == null) {
            throw new AppException(ErrorCode.NOT_FOUND, "No such storage: " + (id == null ? "local" : id));
        }
        return storage;
    }

    /** The storage an image's row names, or empty (see {@link #byId}). */
    public Optional<Storage> find(Long id) {
        return Optional.ofNullable(id == null ? builtIn : table().byId().get(id));
    }

    /**
     * The storage that takes a new upload of about {@code bytes} bytes: one of the active storages of the table that
     * has room for it (no capacity, or used + bytes within it), drawn at random weighted by free capacity (an
     * unlimited storage weighs as much as the freest limited one, or 1 TiB when none is limited), so storages fill up
     * evenly; the built-in folder when no storage of the table is active (and local storage is enabled). Storages of
     * api {@code local} are skipped while local storage is disabled. Refuses with an {@link AppException}
     * UNAVAILABLE, saying why, when no storage can take it: all active storages are full, or none is active and local
     * storage is disabled.
     */
    public Storage forUpload(long bytes) {
        return forUpload(bytes, java.util.Set.of());
    }

    /**
     * {@link #forUpload(long)} leaving out the storages of {@code full} (ids of storages found full when the upload
     * tried to reserve room on them: this runtime's used bytes are a snapshot).
     */
    public Storage forUpload(long bytes, java.util.Set<Long> full) {
        List<Storage> active = rows().stream()
                .filter(s -> s.active() && (s.external() || localEnabled()))
                .toList();
        if (active.isEmpty()) {
            if (builtIn == null) {
                throw new AppException(
                        ErrorCode.UNAVAILABLE,
                        "No storage takes uploads on this site: local storage is disabled and no external storage is"
                                + " active. An administrator must add or enable one (tesela storage-add).");
            }
            return builtIn;
        }
        List<Storage> withRoom = active.stream()
                .filter(s -> !full.contains(s.id()))
                .filter(s -> s.capacityBytes().isEmpty()
                        || s.usedBytes() + Math.max(0, bytes)
                                <= s.capacityBytes().getAsLong())
                .toList();
        if (withRoom.isEmpty()) {
            throw new AppException(
                    ErrorCode.UNAVAILABLE,
                    "Every active storage of this site is full (" + active.size() + " active). An administrator"
                            + " must raise a capacity, free space or add a storage (tesela storage-edit / storage-add).");
        }
        return pick(withRoom);
    }

    /** One of {@code candidates}, drawn with probability proportional to its weight. */
    private Storage pick(List<Storage> candidates) {
        if (candidates.size() == 1) {
            return candidates.getFirst();
        }
        long largestFree = candidates.stream()
                .filter(s -> s.capacityBytes().isPresent())
                .mapToLong(SiteStorages::free)
                .max()
                .orElse(UNLIMITED_WEIGHT);
        List<Double> weights = new ArrayList<>(candidates.size());
        double total = 0;
        for (Storage s : candidates) {
            double w = Math.max(1, s.capacityBytes().isPresent() ? free(s) : Math.max(largestFree, 1));
            weights.add(w);
            total += w;
        }
        double draw = random.nextDouble() * total;
        for (int i = 0; i < candidates.size(); i++) {
            draw -= weights.get(i);
            if (draw < 0) {
                return candidates.get(i);
            }
        }
        return candidates.getLast();
    }

    private static long free(Storage s) {
        return Math.max(0, s.capacityBytes().getAsLong() - s.usedBytes());
    }

    /**
     * The storage of the site's own files (logo, avatars, covers): the row flagged for them when it is active (and
     * usable: not a local one while local storage is disabled), else as {@link #forUpload forUpload(bytes)}.
     */
    public Storage forSiteFiles(long bytes) {
        Long siteFilesId = table().siteFilesId();
        Storage flagged = siteFilesId == null ? null : table().byId().get(siteFilesId);
        if (flagged != null && flagged.active() && (flagged.external() || localEnabled())) {
            return flagged;
        }
        return forUpload(bytes);
    }

    /** The storage of the site's own files; see {@link #forSiteFiles(long)}. */
    public Storage forSiteFiles() {
        return forSiteFiles(0);
    }

    /** The row flagged for the site's own files, if any. */
    public Optional<Long> siteFilesId() {
        return Optional.ofNullable(table().siteFilesId());
    }

    /** The built-in local folder, if local storage is enabled. */
    public Optional<Storage> builtIn() {
        return Optional.ofNullable(builtIn);
    }

    /** Whether the site may keep files on this machine's disk (TESELA_ENABLE_LOCAL_STORAGE, config or tenant env). */
    public boolean localEnabled() {
        return builtIn != null;
    }

    /** The rows of the storages table, by id ascending. */
    public List<Storage> rows() {
        return table().byId().values().stream()
                .sorted(Comparator.comparing(Storage::id))
                .toList();
    }

    /** Whether the site has no storage but its built-in folder (files are served without looking rows up). */
    public boolean onlyBuiltIn() {
        return table().byId().isEmpty();
    }

    /** How many storages of the table are active and external (for TESELA_MIN_STORAGES_ACTIVE). */
    public long activeExternal() {
        return table().byId().values().stream()
                .filter(s -> s.active() && s.external())
                .count();
    }
}
