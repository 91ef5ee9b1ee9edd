package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The choice of storage for an upload ({@link SiteStorages#forUpload}): spread by free capacity (checked over 20,000
 * draws with a seeded random source: deterministic, and each share within 2 points of its weight), full and inactive
 * storages skipped, the built-in folder when none is active, and the refusals when no storage can take a file.
 */
class SiteStoragesTest {
    private static final long GIB = 1L << 30;
    private static BlobStore store;

    @BeforeAll
    static void store() throws Exception {
        store = new LocalBlobStore(Files.createTempDirectory("tesela-sitestorages-"));
    }

    private static Storage row(long id, String api, boolean active, Long capacity, long used) {
        return new Storage(
                id,
                "s" + id,
                api,
                store,
                Optional.empty(),
                active,
                capacity == null ? OptionalLong.empty() : OptionalLong.of(capacity),
                used);
    }

    private static SiteStorages sites(boolean local, Long siteFiles, Storage... rows) {
        Map<Long, Storage> byId = new HashMap<>();
        for (Storage s : rows) {
            byId.put(s.id(), s);
        }
        return new SiteStorages(local ? Storage.builtIn(store) : null, byId, siteFiles, new SplittableRandom(42));
    }

    /** How often each storage is drawn, out of {@code draws}. */
    private static Map<Long, Integer> draws(SiteStorages storages, int draws, long bytes) {
        Map<Long, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < draws; i++) {
            counts.merge(storages.forUpload(bytes).id(), 1, Integer::sum);
        }
        return counts;
    }

    private static void assertShare(double expected, int count, int draws) {
        double share = count / (double) draws;
        assertTrue(Math.abs(share - expected) < 0.02, "share " + share + " expected about " + expected);
    }

    @Test
    void uploadsAreSpreadByFreeCapacity() {
        // free: 30, 10 and 0 GiB (full: skipped); an unlimited one weighs like the freest limited one (30).
        var storages = sites(
                true,
                null,
                row(1, "s3", true, 100 * GIB, 70 * GIB),
                row(2, "s3", true, 20 * GIB, 10 * GIB),
                row(3, "s3", true, 5 * GIB, 5 * GIB),
                row(4, "s3", true, null, 999 * GIB),
                row(5, "s3", false, null, 0));
        int n = 20_000;
        Map<Long, Integer> counts = draws(storages, n, 1);
        assertEquals(List.of(1L, 2L, 4L), counts.keySet().stream().sorted().toList(), counts::toString);
        assertShare(30 / 70.0, counts.get(1L), n);
        assertShare(10 / 70.0, counts.get(2L), n);
        assertShare(30 / 70.0, counts.get(4L), n);
    }

    @Test
    void unlimitedStoragesShareEvenlyWhenNoneIsLimited() {
        var storages = sites(true, null, row(1, "s3", true, null, 0), row(2, "local", true, null, 5 * GIB));
        int n = 20_000;
        Map<Long, Integer> counts = draws(storages, n, 1);
        assertShare(0.5, counts.get(1L), n);
        assertShare(0.5, counts.get(2L), n);
    }

    @Test
    void aFileTooLargeForAStorageGoesToAnother() {
        var storages = sites(true, null, row(1, "s3", true, 100L, 50), row(2, "s3", true, 1000L, 0));
        assertEquals(Map.of(2L, 100), draws(storages, 100, 60));
    }

    @Test
    void storagesAnUploadFoundFullAreLeftOut() {
        var storages = sites(true, null, row(1, "s3", true, null, 0), row(2, "s3", true, 1000L, 0));
        assertEquals(Map.of(2L, 100), drawsWithout(storages, 100, java.util.Set.of(1L)));
        var none = assertThrows(AppException.class, () -> storages.forUpload(1, java.util.Set.of(1L, 2L)));
        assertEquals(ErrorCode.UNAVAILABLE, none.code());
    }

    private static Map<Long, Integer> drawsWithout(SiteStorages storages, int draws, java.util.Set<Long> full) {
        Map<Long, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < draws; i++) {
            counts.merge(storages.forUpload(1, full).id(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void theBuiltInFolderTakesUploadsWhenNoStorageIsActive() {
        var storages = sites(true, null, row(1, "s3", false, null, 0));
        assertTrue(storages.forUpload(10).builtInFolder());
        assertTrue(sites(true, null).forUpload(10).builtInFolder());
    }

    @Test
    void noStorageCanTakeItNow() {
        var none = assertThrows(AppException.class, () -> sites(false, null).forUpload(1));
        assertEquals(ErrorCode.UNAVAILABLE, none.code());
        assertTrue(none.getMessage().contains("local storage is disabled"), none.getMessage());

        var full = assertThrows(
                AppException.class,
                () -> sites(true, null, row(1, "s3", true, 100L, 100)).forUpload(1));
        assertEquals(ErrorCode.UNAVAILABLE, full.code());
        assertTrue(full.getMessage().contains("full"), full.getMessage());

        // A local row does not take uploads while local storage is disabled.
        var localOnly = assertThrows(
                AppException.class,
                () -> sites(false, null, row(1, "local", true, null, 0)).forUpload(1));
        assertEquals(ErrorCode.UNAVAILABLE, localOnly.code());
    }

    @Test
    void siteFilesGoToTheFlaggedStorageWhileItIsActive() {
        Storage one = row(1, "s3", true, null, 0);
        Storage two = row(2, "s3", true, null, 0);
        assertSame(two, sites(true, 2L, one, two).forSiteFiles());
        var flaggedInactive = sites(true, 2L, one, row(2, "s3", false, null, 0));
        for (int i = 0; i < 50; i++) {
            assertEquals(1L, flaggedInactive.forSiteFiles().id());
        }
        assertNull(sites(true, null).forSiteFiles().id(), "no rows: the built-in folder");
    }

    @Test
    void sizesAreReadAndShownAsPeopleWriteThem() {
        assertEquals(OptionalLong.of(50 * GIB), StorageSizes.parse("50GB"));
        assertEquals(OptionalLong.of(50 * GIB), StorageSizes.parse("50 GiB"));
        assertEquals(OptionalLong.of(512L << 20), StorageSizes.parse("512m"));
        assertEquals(OptionalLong.of(3L << 39), StorageSizes.parse("1.5T"));
        assertEquals(OptionalLong.of(1234), StorageSizes.parse("1234"));
        assertEquals(OptionalLong.empty(), StorageSizes.parse("none"));
        assertEquals(OptionalLong.empty(), StorageSizes.parse("0"));
        for (String bad : List.of("lots", "-5G", "5X", "99999999999P", "1.23456G")) {
            assertThrows(IllegalArgumentException.class, () -> StorageSizes.parse(bad), bad);
        }
        assertEquals("512 B", StorageSizes.format(512));
        assertEquals("1.5 KiB", StorageSizes.format(1536));
        assertEquals("50.0 GiB", StorageSizes.format(50 * GIB));
    }

    @Test
    void localStorageCanBeTurnedOffByATenantsEnv() {
        assertTrue(StorageLoader.disabledBy("0"));
        assertTrue(StorageLoader.disabledBy(" off "));
        assertTrue(!StorageLoader.disabledBy("1") && !StorageLoader.disabledBy(null));
        assertTrue(StorageLoader.envProblem("maybe").isPresent());
        assertTrue(StorageLoader.envProblem("no").isEmpty());
    }
}
