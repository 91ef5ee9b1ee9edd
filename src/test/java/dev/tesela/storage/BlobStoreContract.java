package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.storage.BlobStore.BlobExistsException;
import dev.tesela.storage.BlobStore.BlobStat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link BlobStore} must do. Each adapter's test extends this and supplies an empty store per test. Uses
 * local files only as upload sources; {@link BlobStore#localFile} is optional (empty for remote stores), so it is
 * only checked for consistency with {@link BlobStore#stat}.
 */
abstract class BlobStoreContract {
    @TempDir
    Path sources;

    /** The store under test, empty at the start of each test; the same instance for the whole test. */
    abstract BlobStore store();

    /** A local upload source with {@code bytes}. */
    Path source(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(sources, "src", ".bin"), bytes);
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] read(BlobStore store, String key) throws IOException {
        try (InputStream in = store.open(key).orElseThrow(() -> new AssertionError("no blob " + key))) {
            return in.readAllBytes();
        }
    }

    @Test
    void putThenStatAndOpenGiveTheSameBytes() throws IOException {
        byte[] bytes = randomBytes(10_000, 1);
        Instant before = Instant.now();
        store().putNew("2026/11/23/photo.jpeg", source(bytes), "image/jpeg");

        BlobStat stat = store().stat("2026/11/23/photo.jpeg").orElseThrow();
        assertEquals(bytes.length, stat.byteSize());
        assertTrue(
                Duration.between(before, stat.lastModified()).abs().compareTo(Duration.ofMinutes(2)) < 0,
                "lastModified " + stat.lastModified() + " close to " + before);
        assertArrayEquals(bytes, read(store(), "2026/11/23/photo.jpeg"));
        store().localFile("2026/11/23/photo.jpeg").ifPresent(file -> assertArrayEquals(bytes, readFile(file)));
    }

    @Test
    void keysWithoutFolderWork() throws IOException {
        store().putNew("photo.png", source(new byte[] {1, 2, 3}), "image/png");
        assertArrayEquals(new byte[] {1, 2, 3}, read(store(), "photo.png"));
        assertTrue(store().delete("photo.png"));
    }

    @Test
    void emptyBlobsAreBlobs() throws IOException {
        store().putNew("empty.bin", source(new byte[0]), "application/octet-stream");
        assertEquals(0, store().stat("empty.bin").orElseThrow().byteSize());
        assertArrayEquals(new byte[0], read(store(), "empty.bin"));
    }

    @Test
    void theStoredBlobIsACopy() throws IOException {
        Path source = source(new byte[] {1, 2, 3});
        store().putNew("a/copy.bin", source, "application/octet-stream");
        Files.write(source, new byte[] {9, 9, 9, 9});
        Files.delete(source);
        assertArrayEquals(new byte[] {1, 2, 3}, read(store(), "a/copy.bin"));
    }

    @Test
    void putNewOnATakenKeyFailsAndKeepsTheOldBlob() throws IOException {
        byte[] first = randomBytes(100, 2);
        store().putNew("a/b/taken.png", source(first), "image/png");

        BlobExistsException e = assertThrows(
                BlobExistsException.class,
                () -> store().putNew("a/b/taken.png", source(randomBytes(50, 3)), "image/png"));
        assertTrue(e.getMessage().contains("a/b/taken.png"), e.getMessage());
        assertArrayEquals(first, read(store(), "a/b/taken.png"));
        assertEquals(100, store().stat("a/b/taken.png").orElseThrow().byteSize());
    }

    @Test
    void ofConcurrentPutsOfOneKeyExactlyOneWins() throws Exception {
        int writers = 8;
        List<byte[]> contents = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            contents.add(randomBytes(64 * 1024, 100 + i));
            files.add(source(contents.get(i)));
        }
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger wins = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        List<Integer> winners = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int writer = i;
                futures.add(threads.submit(() -> {
                    start.await();
                    try {
                        store().putNew("race/same.jpeg", files.get(writer), "image/jpeg");
                        wins.incrementAndGet();
                        synchronized (winners) {
                            winners.add(writer);
                        }
                    } catch (BlobExistsException expected) {
                        taken.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(); // any other exception fails the test here
            }
        }
        assertEquals(1, wins.get());
        assertEquals(writers - 1, taken.get());
        assertArrayEquals(contents.get(winners.getFirst()), read(store(), "race/same.jpeg"));
    }

    @Test
    void deleteReturnsTrueThenFalse() throws IOException {
        store().putNew("2026/01/02/gone.gif", source(new byte[] {7}), "image/gif");
        assertTrue(store().delete("2026/01/02/gone.gif"));
        assertFalse(store().delete("2026/01/02/gone.gif"));
        assertTrue(store().stat("2026/01/02/gone.gif").isEmpty());
        assertTrue(store().open("2026/01/02/gone.gif").isEmpty());
        assertTrue(store().localFile("2026/01/02/gone.gif").isEmpty());
    }

    @Test
    void aDeletedKeyCanBeUsedAgain() throws IOException {
        store().putNew("again.png", source(new byte[] {1}), "image/png");
        assertTrue(store().delete("again.png"));
        store().putNew("again.png", source(new byte[] {2}), "image/png");
        assertArrayEquals(new byte[] {2}, read(store(), "again.png"));
    }

    @Test
    void deletingOneBlobLeavesItsNeighbours() throws IOException {
        store().putNew("n/photo.jpeg", source(new byte[] {1}), "image/jpeg");
        store().putNew("n/photo.th.jpeg", source(new byte[] {2}), "image/jpeg");
        assertTrue(store().delete("n/photo.jpeg"));
        assertArrayEquals(new byte[] {2}, read(store(), "n/photo.th.jpeg"));
    }

    @Test
    void missingKeysFindNothing() throws IOException {
        assertTrue(store().stat("nope/missing.png").isEmpty());
        assertTrue(store().open("nope/missing.png").isEmpty());
        assertTrue(store().localFile("nope/missing.png").isEmpty());
        assertFalse(store().delete("nope/missing.png"));
    }

    @Test
    void aFolderOfKeysIsNotABlob() throws IOException {
        store().putNew("dir/inside.png", source(new byte[] {1}), "image/png");
        assertTrue(store().stat("dir").isEmpty());
        assertTrue(store().open("dir").isEmpty());
        assertTrue(store().localFile("dir").isEmpty());
        assertFalse(store().delete("dir"));
        assertArrayEquals(new byte[] {1}, read(store(), "dir/inside.png"));
    }

    @Test
    void keysBelowABlobFindNothing() throws IOException {
        store().putNew("under/photo.png", source(new byte[] {1}), "image/png");
        assertTrue(store().stat("under/photo.png/x.png").isEmpty());
        assertTrue(store().open("under/photo.png/x.png").isEmpty());
        assertTrue(store().localFile("under/photo.png/x.png").isEmpty());
        assertFalse(store().delete("under/photo.png/x.png"));
    }

    static Stream<String> invalidKeys() {
        return Stream.of(
                "../x",
                "a/../../x",
                ".staging/x",
                "a/.tmp-1",
                "/abs",
                "a//b",
                "a/./b",
                "./a",
                "a/",
                "a\\b",
                "",
                "é.png",
                "a b",
                "x".repeat(256),
                "a/\u0000",
                "C:/x",
                "..");
    }

    @ParameterizedTest
    @MethodSource("invalidKeys")
    void invalidKeysAreRefusedByEveryMethod(String key) throws IOException {
        Path file = source(new byte[] {1});
        assertThrows(IllegalArgumentException.class, () -> store().putNew(key, file, "image/png"));
        assertThrows(IllegalArgumentException.class, () -> store().stat(key));
        assertThrows(IllegalArgumentException.class, () -> store().open(key));
        assertThrows(IllegalArgumentException.class, () -> store().localFile(key));
        assertThrows(IllegalArgumentException.class, () -> store().delete(key));
    }

    @Test
    void nullKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> store().stat(null));
        assertThrows(IllegalArgumentException.class, () -> store().delete(null));
    }

    @Test
    void theLongestValidKeyWorks() throws IOException {
        String key = "2026/11/23/" + "k".repeat(BlobKeys.MAX_LENGTH - 11 - 5) + ".jpeg";
        assertEquals(BlobKeys.MAX_LENGTH, key.length());
        store().putNew(key, source(new byte[] {4}), "image/jpeg");
        assertArrayEquals(new byte[] {4}, read(store(), key));
        assertTrue(store().delete(key));
    }

    @Test
    void aFiveMegabyteBlobRoundTrips() throws IOException {
        byte[] bytes = randomBytes(5 * 1024 * 1024, 5);
        store().putNew("big/five.webp", source(bytes), "image/webp");
        assertEquals(bytes.length, store().stat("big/five.webp").orElseThrow().byteSize());
        assertArrayEquals(bytes, read(store(), "big/five.webp"));
    }

    // ---- ranged reads ------------------------------------------------------------------------------------------

    static byte[] readRange(BlobStore store, String key, long offset, long length) throws IOException {
        try (InputStream in = store.open(key, offset, length).orElseThrow(() -> new AssertionError("no blob " + key))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aRangedOpenGivesExactlyThoseBytes() throws IOException {
        byte[] bytes = randomBytes(100_000, 21);
        store().putNew("range/photo.jpeg", source(bytes), "image/jpeg");
        assertArrayEquals(Arrays.copyOfRange(bytes, 0, 1), readRange(store(), "range/photo.jpeg", 0, 1));
        assertArrayEquals(
                Arrays.copyOfRange(bytes, 1_000, 51_000), readRange(store(), "range/photo.jpeg", 1_000, 50_000));
        assertArrayEquals(
                Arrays.copyOfRange(bytes, 99_990, 100_000), readRange(store(), "range/photo.jpeg", 99_990, 10));
        assertArrayEquals(bytes, readRange(store(), "range/photo.jpeg", 0, bytes.length));
        assertArrayEquals(new byte[0], readRange(store(), "range/photo.jpeg", 500, 0));
    }

    @Test
    void aRangedOpenOfAMissingKeyFindsNothing() throws IOException {
        assertTrue(store().open("range/missing.png", 0, 10).isEmpty());
        assertTrue(store().open("range/missing.png", 0, 0).isEmpty());
        store().stage("range/staged.png", source(new byte[] {1, 2, 3}), "image/png");
        assertTrue(store().open("range/staged.png", 0, 2).isEmpty(), "a staged blob is not readable");
    }

    @Test
    void aStreamClosedEarlyLeavesTheStoreWorking() throws IOException {
        byte[] bytes = randomBytes(3 * 1024 * 1024, 22);
        store().putNew("early/big.webp", source(bytes), "image/webp");
        for (int i = 0; i < 20; i++) { // more than any adapter's concurrency limit: every close gives back its slot
            try (InputStream in = store().open("early/big.webp").orElseThrow()) {
                assertEquals(bytes[0] & 0xff, in.read());
            }
            try (InputStream in = store().open("early/big.webp", 1, 1000).orElseThrow()) {
                assertEquals(bytes[1] & 0xff, in.read());
            }
        }
        assertArrayEquals(bytes, read(store(), "early/big.webp"));
    }

    @ParameterizedTest
    @MethodSource("invalidKeys")
    void invalidKeysAreRefusedByTheRangedOpen(String key) {
        assertThrows(IllegalArgumentException.class, () -> store().open(key, 0, 1));
    }

    // ---- staging ----------------------------------------------------------------------------------------------

    @Test
    void aStagedBlobIsNoBlobUntilPublished() throws IOException {
        byte[] bytes = randomBytes(20_000, 11);
        Instant before = Instant.now();
        store().stage("t1/main.jpeg", source(bytes), "image/jpeg");
        for (String key : List.of("t1/main.jpeg", "2026/01/01/photo.jpeg")) {
            assertTrue(store().stat(key).isEmpty(), key);
            assertTrue(store().open(key).isEmpty(), key);
            assertTrue(store().localFile(key).isEmpty(), key);
        }
        List<BlobStore.StagedBlob> staged = store().staged(10);
        assertEquals(
                List.of("t1/main.jpeg"),
                staged.stream().map(BlobStore.StagedBlob::stagingKey).toList());
        assertTrue(Duration.between(before, staged.getFirst().stagedAt()).abs().compareTo(Duration.ofMinutes(2)) < 0);

        assertTrue(store().publish("t1/main.jpeg", "2026/01/01/photo.jpeg"));
        assertArrayEquals(bytes, read(store(), "2026/01/01/photo.jpeg"));
        assertEquals(List.of(), store().staged(10), "the staged blob moved");
        assertFalse(store().publish("t1/main.jpeg", "2026/01/01/photo.jpeg"), "nothing left to publish");
        assertArrayEquals(bytes, read(store(), "2026/01/01/photo.jpeg"));
    }

    @Test
    void stagingKeysAndKeysAreSeparateNamespaces() throws IOException {
        store().putNew("same/name.png", source(new byte[] {1}), "image/png");
        store().stage("same/name.png", source(new byte[] {2}), "image/png");
        assertArrayEquals(new byte[] {1}, read(store(), "same/name.png"));
        assertTrue(store().delete("same/name.png"));
        assertEquals(1, store().staged(10).size(), "deleting the key leaves the staged blob");
        assertTrue(store().publish("same/name.png", "same/name.png"));
        assertArrayEquals(new byte[] {2}, read(store(), "same/name.png"));
    }

    @Test
    void aTakenStagingKeyFailsAndKeepsTheFirstBlob() throws IOException {
        store().stage("t2/main.png", source(new byte[] {1, 1}), "image/png");
        assertThrows(
                BlobExistsException.class, () -> store().stage("t2/main.png", source(new byte[] {2}), "image/png"));
        assertTrue(store().publish("t2/main.png", "t2.png"));
        assertArrayEquals(new byte[] {1, 1}, read(store(), "t2.png"));
    }

    @Test
    void publishingToATakenKeyFailsAndKeepsBothBlobs() throws IOException {
        store().putNew("a/taken.png", source(new byte[] {1}), "image/png");
        store().stage("t3/main.png", source(new byte[] {2}), "image/png");
        assertThrows(BlobExistsException.class, () -> store().publish("t3/main.png", "a/taken.png"));
        assertArrayEquals(new byte[] {1}, read(store(), "a/taken.png"));
        assertEquals(
                List.of("t3/main.png"),
                store().staged(10).stream()
                        .map(BlobStore.StagedBlob::stagingKey)
                        .toList());
        assertTrue(store().discardStaged("t3/main.png"));
        assertFalse(store().discardStaged("t3/main.png"));
        assertEquals(List.of(), store().staged(10));
        assertArrayEquals(new byte[] {1}, read(store(), "a/taken.png"));
    }

    @Test
    void publishingWhatWasNeverStagedReturnsFalse() throws IOException {
        assertFalse(store().publish("never/main.png", "never.png"));
        assertTrue(store().stat("never.png").isEmpty());
        assertFalse(store().discardStaged("never/main.png"));
    }

    @Test
    void ofConcurrentPublishesOfOneStagedBlobNoneFailsAndTheBlobArrivesOnce() throws Exception {
        byte[] bytes = randomBytes(64 * 1024, 12);
        for (int round = 0; round < 5; round++) {
            String stagingKey = "race" + round + "/main.jpeg";
            String key = "race/" + round + ".jpeg";
            store().stage(stagingKey, source(bytes), "image/jpeg");
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger published = new AtomicInteger();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    futures.add(threads.submit(() -> {
                        start.await();
                        if (store().publish(stagingKey, key)) {
                            published.incrementAndGet();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(); // no publisher fails
                }
            }
            assertTrue(published.get() >= 1, "round " + round);
            assertArrayEquals(bytes, read(store(), key));
        }
        assertEquals(List.of(), store().staged(100));
    }

    @Test
    void stagedListsAtMostTheLimit() throws Exception {
        for (int i = 0; i < 3; i++) {
            store().stage("limit/" + i + ".png", source(new byte[] {(byte) i}), "image/png");
        }
        assertEquals(2, store().staged(2).size());
        assertEquals(3, store().staged(10).size());
    }

    @ParameterizedTest
    @MethodSource("invalidKeys")
    void invalidStagingKeysAreRefused(String key) throws IOException {
        Path file = source(new byte[] {1});
        assertThrows(IllegalArgumentException.class, () -> store().stage(key, file, "image/png"));
        assertThrows(IllegalArgumentException.class, () -> store().publish(key, "ok.png"));
        assertThrows(IllegalArgumentException.class, () -> store().publish("ok/main.png", key));
        assertThrows(IllegalArgumentException.class, () -> store().discardStaged(key));
    }

    @Test
    void describeSaysSomething() {
        assertFalse(store().describe().isBlank());
    }

    private static byte[] readFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
