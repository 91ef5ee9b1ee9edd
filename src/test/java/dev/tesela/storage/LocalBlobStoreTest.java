package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.storage.BlobStore.BlobExistsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The contract on local disk (with hard links, and again with the rename fallback), plus what is local to files. */
class LocalBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path base;

    Path root;
    LocalBlobStore store;

    @BeforeEach
    void createStore() throws IOException {
        root = base.resolve("images");
        store = new LocalBlobStore(root);
    }

    @Override
    BlobStore store() {
        return store;
    }

    /** The contract again where hard links are unavailable: publishing by atomic rename under a per-key lock. */
    @Nested
    class WithoutHardLinks extends BlobStoreContract {
        @TempDir
        Path fallbackRoot;

        LocalBlobStore fallback;

        @BeforeEach
        void createFallbackStore() throws IOException {
            fallback = new LocalBlobStore(fallbackRoot, false);
        }

        @Override
        BlobStore store() {
            return fallback;
        }

        @Test
        void leavesNoTemporaryFiles() throws IOException {
            fallback.putNew("a/x.png", source(new byte[] {1}), "image/png");
            assertThrows(
                    BlobExistsException.class, () -> fallback.putNew("a/x.png", source(new byte[] {2}), "image/png"));
            assertEquals(List.of(), temporaryFiles(fallbackRoot));
        }
    }

    @Test
    void createsTheRootAndDescribesIt() {
        assertTrue(Files.isDirectory(root));
        assertTrue(store.describe().startsWith("local:"), store.describe());
        assertTrue(store.describe().endsWith("images"), store.describe());
    }

    @Test
    void keysAreFilesUnderTheRoot() throws IOException {
        store.putNew("2026/11/23/photo.jpeg", source(new byte[] {1, 2}), "image/jpeg");
        Path file = root.resolve("2026/11/23/photo.jpeg");
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(file));
        assertEquals(
                file.toRealPath(),
                store.localFile("2026/11/23/photo.jpeg").orElseThrow().toRealPath());
        assertTrue(store.localFile("2026/11/23/photo.jpeg").orElseThrow().startsWith(root.toRealPath()));
    }

    @Test
    void filesAreReadableByAll() throws IOException {
        Assumptions.assumeTrue(
                root.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path source = source(new byte[] {1});
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-------"));
        store.putNew("p/perm.png", source, "image/png");
        assertEquals(
                "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("p/perm.png"))));
    }

    @Test
    void noTemporaryFilesRemainAfterSuccess() throws IOException {
        store.putNew("a/one.png", source(new byte[] {1}), "image/png");
        store.putNew("two.png", source(new byte[] {2}), "image/png");
        assertEquals(List.of(), temporaryFiles(root));
    }

    @Test
    void noTemporaryFilesRemainAfterFailedPuts() throws IOException {
        store.putNew("a/taken.png", source(new byte[] {1}), "image/png");

        assertThrows(
                NoSuchFileException.class,
                () -> store.putNew("a/missing.png", sources.resolve("missing.bin"), "image/png"));
        assertThrows(BlobExistsException.class, () -> store.putNew("a/taken.png", source(new byte[] {2}), "image/png"));
        assertThrows(
                IOException.class,
                () -> store.putNew("a/folder.png", Files.createDirectory(sources.resolve("dir")), "image/png"));
        assertThrows(
                IOException.class, () -> store.putNew("a/taken.png/under.png", source(new byte[] {3}), "image/png"));

        assertEquals(List.of(), temporaryFiles(root));
        assertTrue(store.stat("a/missing.png").isEmpty());
        assertTrue(store.stat("a/folder.png").isEmpty());
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(root.resolve("a/taken.png")));
    }

    @Test
    void aKeyNamingAFolderCannotBePutAndIsNotReportedAsTaken() throws IOException {
        store.putNew("dir/inside.png", source(new byte[] {1}), "image/png");
        IOException e = assertThrows(IOException.class, () -> store.putNew("dir", source(new byte[] {2}), "image/png"));
        assertFalse(e instanceof BlobExistsException, e.toString());
        assertTrue(Files.isDirectory(root.resolve("dir")));
    }

    @Test
    void deleteRemovesEmptyFoldersButKeepsTheRootAndNonEmptyOnes() throws IOException {
        store.putNew("2026/11/23/a.png", source(new byte[] {1}), "image/png");
        store.putNew("2026/11/24/b.png", source(new byte[] {2}), "image/png");

        assertTrue(store.delete("2026/11/23/a.png"));
        assertFalse(Files.exists(root.resolve("2026/11/23")));
        assertTrue(Files.isDirectory(root.resolve("2026/11/24")));

        assertTrue(store.delete("2026/11/24/b.png"));
        assertFalse(Files.exists(root.resolve("2026")));
        assertTrue(Files.isDirectory(root));
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void deletingInAFolderWhileOthersWriteToItLosesNothing() throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 100; round++) {
                store.putNew("busy/" + round + "/old.png", source(new byte[] {1}), "image/png");
                String fresh = "busy/" + round + "/new.png";
                String old = "busy/" + round + "/old.png";
                Path file = source(new byte[] {2});
                List<Future<?>> work = new ArrayList<>();
                work.add(threads.submit(() -> store.delete(old)));
                work.add(threads.submit(() -> {
                    store.putNew(fresh, file, "image/png");
                    return null;
                }));
                for (Future<?> f : work) {
                    f.get();
                }
                assertArrayEquals(new byte[] {2}, Files.readAllBytes(root.resolve(fresh)), "round " + round);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".tmp-0123abcd", "a/.tmp-x", "2026/11/23/.tmp-"})
    void temporaryFileNamesAreNotKeys(String key) throws IOException {
        Files.createDirectories(root.resolve(key).getParent());
        Files.write(root.resolve(key), new byte[] {1}); // as if a put were in flight
        Path file = source(new byte[] {1});
        assertThrows(IllegalArgumentException.class, () -> store.putNew(key, file, "image/png"));
        assertThrows(IllegalArgumentException.class, () -> store.stat(key));
        assertThrows(IllegalArgumentException.class, () -> store.open(key));
        assertThrows(IllegalArgumentException.class, () -> store.localFile(key));
        assertThrows(IllegalArgumentException.class, () -> store.delete(key));
        assertTrue(Files.exists(root.resolve(key)));
    }

    @Test
    void stagedFilesLiveUnderTheStagingFolderWhichPublishingEmpties() throws IOException {
        store.stage("tok/main.png", source(new byte[] {5}), "image/png");
        assertArrayEquals(new byte[] {5}, Files.readAllBytes(root.resolve(".staging/tok/main.png")));
        assertTrue(store.publish("tok/main.png", "2026/01/02/x.png"));
        assertFalse(Files.exists(root.resolve(".staging")), "empty staging folders are removed");
        assertArrayEquals(new byte[] {5}, Files.readAllBytes(root.resolve("2026/01/02/x.png")));
    }

    @Test
    void keysThatLeaveTheRootThroughALinkedFolderAreRefused() throws IOException {
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        link(root.resolve("escape"), outside);

        assertInstanceOf(
                FileSystemException.class, assertThrows(IOException.class, () -> store.stat("escape/secret.txt")));
        assertThrows(IOException.class, () -> store.open("escape/secret.txt"));
        assertThrows(UncheckedIOException.class, () -> store.localFile("escape/secret.txt"));
        assertThrows(IOException.class, () -> store.delete("escape/secret.txt"));
        assertThrows(IOException.class, () -> store.putNew("escape/planted.png", source(new byte[] {1}), "image/png"));
        assertThrows(
                IOException.class,
                () -> store.putNew("escape/deeper/planted.png", source(new byte[] {1}), "image/png"));
        IOException existing = assertThrows(
                IOException.class, () -> store.putNew("escape/secret.txt", source(new byte[] {1}), "image/png"));
        assertFalse(existing instanceof BlobExistsException, "does not reveal what exists outside: " + existing);

        assertEquals("secret", Files.readString(outside.resolve("secret.txt")));
        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(List.of(outside.resolve("secret.txt")), files.toList());
        }
    }

    @Test
    void aLinkedFileOutsideTheRootIsRefused() throws IOException {
        Path secret = Files.writeString(base.resolve("secret.txt"), "secret");
        link(root.resolve("linked.png"), secret);

        assertThrows(IOException.class, () -> store.stat("linked.png"));
        assertThrows(IOException.class, () -> store.open("linked.png"));
        assertThrows(IOException.class, () -> store.delete("linked.png"));
        assertTrue(Files.exists(secret));
    }

    @Test
    void linksThatStayInsideTheRootAreFollowed() throws IOException {
        store.putNew("real/a.png", source(new byte[] {5}), "image/png");
        link(root.resolve("alias"), root.resolve("real"));
        assertArrayEquals(new byte[] {5}, read(store, "alias/a.png"));
    }

    private static void link(Path link, Path target) throws IOException {
        try {
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | FileSystemException e) {
            Assumptions.abort("symbolic links unavailable: " + e);
        }
    }

    static List<Path> temporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(LocalBlobStore.TEMP_PREFIX))
                    .toList();
        }
    }
}
