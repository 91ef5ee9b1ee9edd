package dev.tesela.storage;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.tesela.platform.security.Crypto;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blobs as files under a root directory: key {@code 2026/11/23/a.jpeg} is the file {@code <root>/2026/11/23/a.jpeg}.
 *
 * <p>{@link #putNew} writes the bytes to a temporary file ({@code .tmp-<random>}) in the target's folder, then
 * publishes it with a hard link to the final name, which the file system refuses when the name exists: of two
 * concurrent puts of a key exactly one wins, and readers see no file or the whole file. Where hard links are not
 * supported it falls back to an atomic rename guarded by a per-key lock, which keeps the same guarantees within
 * this process only (two processes sharing such a file system could overwrite each other).
 *
 * <p>Keys whose last segment starts with {@code .tmp-} are reserved for those temporary files and refused
 * (IllegalArgumentException) like invalid keys. Every path is resolved under the root and checked to stay under it,
 * symbolic links included: a key reaching outside through a link fails with an IOException. Files are written with
 * permissions 0644 where the file system is POSIX; folders are created with the process's defaults and removed
 * again when the last blob in them is deleted. A folder is not a blob: stat/open/localFile of a key that names a
 * folder find nothing, and putNew of such a key fails with an IOException (not BlobExistsException).
 *
 * <p>Staged blobs are files under {@code <root>/.staging/} ({@link BlobKeys} refuses key segments starting with '.',
 * so no key reaches them): {@link #stage} creates the file under its staging key exclusively (the staging key is
 * taken otherwise) and forces it to disk; {@link #publish} hard-links it to the key (the rename fallback as above),
 * then removes the staged name. Their staging time is the file's modification time.
 *
 * <p>Thread-safe; immutable apart from the locks.
 */
public final class LocalBlobStore implements BlobStore {
    static final String TEMP_PREFIX = ".tmp-";
    /** The staging area's folder under the root. */
    static final String STAGING_FOLDER = ".staging";

    private static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");
    /** A concurrent delete may remove a folder between our creating it and writing into it; retry that often. */
    private static final int FOLDER_ATTEMPTS = 5;

    private final Path root;
    private final Path stagingRoot;
    private final boolean hardLinks;
    private final ReentrantLock[] moveLocks = new ReentrantLock[64];

    /** Uses (and creates when missing) the directory {@code root}. */
    public LocalBlobStore(Path root) throws IOException {
        this(root, true);
    }

    /** @param hardLinks false forces the rename fallback (for tests of file systems without hard links) */
    LocalBlobStore(Path root, boolean hardLinks) throws IOException {
        Files.createDirectories(root);
        this.root = root.toRealPath();
        this.stagingRoot = this.root.resolve(STAGING_FOLDER);
        this.hardLinks = hardLinks;
        for (int i = 0; i < moveLocks.length; i++) {
            moveLocks[i] = new ReentrantLock();
        }
    }

    @Override
    public String describe() {
        return "local:" + root;
    }

    @Override
    public void putNew(String key, Path file, String contentType) throws IOException {
        try {
            putNewFile(key, file);
        } catch (IOException e) {
            throw asStoreFailure(e);
        }
    }

    private void putNewFile(String key, Path file) throws IOException {
        Path target = resolve(key);
        Objects.requireNonNull(file, "file");
        if (Files.exists(target, NOFOLLOW_LINKS)) { // cheap early answer; publish() is what decides under concurrency
            requireInsideRoot(target.getParent().toRealPath(), key);
            throw taken(key, target);
        }
        Path temp;
        try (InputStream in = Files.newInputStream(file)) {
            temp = writeTemp(target.getParent(), in);
        }
        try {
            publish(temp, target, key);
        } catch (IOException | RuntimeException e) {
            deleteAfterFailure(temp, e);
            throw e;
        }
        try {
            Files.deleteIfExists(temp); // the bytes stay under the final name (a hard link shares them)
        } catch (IOException leftover) {
            // Harmless: a temporary file is never visible as a blob.
        }
    }

    @Override
    public Optional<BlobStat> stat(String key) throws IOException {
        Optional<Path> file = existingFile(key);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(file.get(), BasicFileAttributes.class);
            return Optional.of(new BlobStat(
                    attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException deletedMeanwhile) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        Optional<Path> file = existingFile(key);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.newInputStream(file.get()));
        } catch (NoSuchFileException deletedMeanwhile) {
            return Optional.empty();
        }
    }

    /** The file under the root; empty when missing. Throws UncheckedIOException when the key leads outside the root. */
    @Override
    public Optional<Path> localFile(String key) {
        try {
            return existingFile(key).map(real -> resolve(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        Path target = resolve(key);
        if (existingFile(key).isEmpty()) {
            return false;
        }
        // Deletes the name (a symbolic link itself, never its target); false when a concurrent delete won.
        boolean deleted = Files.deleteIfExists(target);
        if (deleted) {
            removeEmptyFolders(target.getParent());
        }
        return deleted;
    }

    @Override
    public void stage(String stagingKey, Path file, String contentType) throws IOException {
        try {
            stageFile(stagingKey, file);
        } catch (IOException e) {
            throw asStoreFailure(e);
        }
    }

    /**
     * A write that failed for the folder's sake (no permission: refused; disk full or an I/O error: unavailable), so
     * that the web layer answers 503 naming the storage rather than a 500; a taken key and what the caller asked for
     * wrongly stay as they are.
     */
    private IOException asStoreFailure(IOException e) {
        if (e instanceof BlobExistsException
                || e instanceof StoreUnavailableException
                || e instanceof StoreRefusedException
                || e instanceof java.nio.file.NoSuchFileException) {
            return e;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return new StoreRefusedException("storage " + describe() + " refuses writes (permissions)", e);
        }
        return new StoreUnavailableException("storage " + describe() + " cannot write: " + e.getMessage(), e);
    }

    private void stageFile(String stagingKey, Path file) throws IOException {
        Path target = resolveStaged(stagingKey);
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            for (int attempt = 1; ; attempt++) {
                FileChannel channel;
                try {
                    createFolders(target.getParent());
                    channel = FileChannel.open(target, CREATE_NEW, WRITE);
                } catch (FileAlreadyExistsException e) {
                    throw Files.isDirectory(target, NOFOLLOW_LINKS) ? e : new BlobExistsException(stagingKey);
                } catch (NoSuchFileException removedByConcurrentDiscard) {
                    if (attempt == FOLDER_ATTEMPTS) {
                        throw removedByConcurrentDiscard;
                    }
                    continue;
                }
                try (channel) {
                    in.transferTo(Channels.newOutputStream(channel));
                    channel.force(true); // the row that names this file commits next: its bytes must outlive a crash
                    setFilePermissions(target);
                } catch (IOException | RuntimeException e) {
                    deleteAfterFailure(target, e);
                    throw e;
                }
                return;
            }
        }
    }

    @Override
    public boolean publish(String stagingKey, String key) throws IOException {
        Path staged = resolveStaged(stagingKey);
        Path target = resolve(key);
        for (int attempt = 1; ; attempt++) {
            if (!Files.isRegularFile(staged, NOFOLLOW_LINKS)) {
                return false;
            }
            try {
                createFolders(target.getParent());
                if (!linkOrMove(staged, target, key)) {
                    return false;
                }
                break;
            } catch (NoSuchFileException e) {
                // The target's folder was removed by a concurrent delete, or the staged file by a concurrent publish:
                // the loop's first check tells which.
                if (attempt == FOLDER_ATTEMPTS) {
                    throw e;
                }
            }
        }
        if (Files.deleteIfExists(staged)) { // the bytes stay under the key (a hard link shares them)
            removeEmptyFolders(staged.getParent());
        }
        return true;
    }

    @Override
    public boolean discardStaged(String stagingKey) throws IOException {
        Path staged = resolveStaged(stagingKey);
        if (!Files.isRegularFile(staged, NOFOLLOW_LINKS)) {
            return false;
        }
        boolean deleted = Files.deleteIfExists(staged);
        if (deleted) {
            removeEmptyFolders(staged.getParent());
        }
        return deleted;
    }

    @Override
    public List<StagedBlob> staged(int limit) throws IOException {
        if (!Files.isDirectory(stagingRoot, NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<StagedBlob> found = new ArrayList<>();
        Files.walkFileTree(stagingRoot, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    found.add(new StagedBlob(
                            stagingRoot
                                    .relativize(file)
                                    .toString()
                                    .replace(file.getFileSystem().getSeparator(), "/"),
                            attributes.lastModifiedTime().toInstant()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // removed meanwhile by a concurrent publish or discard
            }
        });
        found.sort(Comparator.comparing(StagedBlob::stagedAt).thenComparing(StagedBlob::stagingKey));
        return List.copyOf(found.subList(0, Math.min(limit, found.size())));
    }

    /** The staging key's path under the staging folder. */
    private Path resolveStaged(String stagingKey) {
        BlobKeys.requireValid(stagingKey);
        Path path = stagingRoot.resolve(stagingKey).normalize();
        if (!path.startsWith(stagingRoot) || path.equals(stagingRoot)) {
            throw new IllegalArgumentException("staging key resolves outside the staging folder");
        }
        return path;
    }

    /** The key's path under the root (lexically; links are checked where files are touched). */
    private Path resolve(String key) {
        BlobKeys.requireValid(key);
        if (key.substring(key.lastIndexOf('/') + 1).startsWith(TEMP_PREFIX)) {
            throw new IllegalArgumentException(
                    "blob key names a temporary file (last segment starts with '" + TEMP_PREFIX + "')");
        }
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("blob key resolves outside the store root");
        }
        return path;
    }

    /** The real path of the key's regular file; empty when there is none (or a folder has its name). */
    private Optional<Path> existingFile(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.exists(path)) {
            return Optional.empty(); // also when a blob stands where a folder of the key would be
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        requireInsideRoot(real, key);
        return Files.isRegularFile(real) ? Optional.of(real) : Optional.empty();
    }

    private void requireInsideRoot(Path real, String key) throws IOException {
        if (!real.startsWith(root)) {
            throw new FileSystemException(
                    root.toString(), null, "blob key " + key + " leads outside the store root through a symbolic link");
        }
    }

    /** Creates {@code folder} (checking every level stays under the root) and a new temporary file in it with the bytes. */
    private Path writeTemp(Path folder, InputStream in) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Path temp = folder.resolve(TEMP_PREFIX + HexFormat.of().formatHex(Crypto.randomBytes(12)));
            OutputStream out;
            try {
                createFolders(folder);
                out = Files.newOutputStream(temp, CREATE_NEW, WRITE);
            } catch (NoSuchFileException removedByConcurrentDelete) {
                if (attempt == FOLDER_ATTEMPTS) {
                    throw removedByConcurrentDelete;
                }
                continue;
            }
            try (out) {
                in.transferTo(out);
            } catch (IOException | RuntimeException e) {
                deleteAfterFailure(temp, e);
                throw e;
            }
            try {
                setFilePermissions(temp);
            } catch (IOException e) {
                deleteAfterFailure(temp, e);
                throw e;
            }
            return temp;
        }
    }

    private void createFolders(Path folder) throws IOException {
        if (folder.equals(root)) {
            return;
        }
        Path current = root;
        for (Path segment : root.relativize(folder)) {
            current = current.resolve(segment);
            try {
                Files.createDirectory(current);
            } catch (FileAlreadyExistsException exists) {
                // A folder (fine), a link (checked below) or a file (fails below).
            }
            // NoSuchFileException from here on: a concurrent delete removed the folder again; the caller retries.
            Path real = current.toRealPath();
            requireInsideRoot(real, root.relativize(folder).toString());
            if (!Files.readAttributes(real, BasicFileAttributes.class).isDirectory()) {
                throw new FileAlreadyExistsException(current.toString(), null, "a blob is in the way of this folder");
            }
        }
    }

    /** Publishes {@code temp} as a new file of putNew: fails with BlobExistsException when the key is taken. */
    private void publish(Path temp, Path target, String key) throws IOException {
        if (!linkOrMove(temp, target, key)) {
            throw new NoSuchFileException(temp.toString());
        }
    }

    /**
     * Gives {@code target} the file {@code source}: a hard link (the source stays; the caller removes it), or where
     * links are unsupported an atomic rename under the key's lock. False when {@code source} vanished (a concurrent
     * publish of it moved it away). BlobExistsException when the target holds another file; true when it already
     * holds {@code source} itself (a concurrent publish linked it).
     */
    private boolean linkOrMove(Path source, Path target, String key) throws IOException {
        if (hardLinks) {
            try {
                Files.createLink(target, source);
                return true;
            } catch (FileAlreadyExistsException e) {
                if (!Files.exists(source, NOFOLLOW_LINKS)) {
                    // A concurrent publish of this staged blob linked it and already removed the staged name (or it was
                    // discarded): nothing is staged any more, which the contract answers with false.
                    return false;
                }
                if (Files.isRegularFile(target, NOFOLLOW_LINKS) && Files.isSameFile(target, source)) {
                    return true; // (a NoSuchFileException here: the source went meanwhile; the caller looks again)
                }
                throw taken(key, target);
            } catch (UnsupportedOperationException | FileSystemException noLinksHere) {
                if (noLinksHere instanceof NoSuchFileException missing) {
                    throw missing; // a folder or the source vanished: the caller looks again
                }
                // Fall back to the rename below (a real failure there reports itself).
            }
        }
        ReentrantLock lock = moveLocks[Math.floorMod(key.hashCode(), moveLocks.length)];
        lock.lock();
        try {
            if (!Files.exists(source, NOFOLLOW_LINKS)) {
                return false;
            }
            if (Files.exists(target, NOFOLLOW_LINKS)) {
                throw taken(key, target);
            }
            Files.move(source, target, ATOMIC_MOVE);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static IOException taken(String key, Path target) {
        if (Files.isDirectory(target, NOFOLLOW_LINKS)) {
            return new FileAlreadyExistsException(
                    target.toString(), null, "blob key " + key + " names a folder of other blobs");
        }
        return new BlobExistsException(key);
    }

    /** Removes {@code folder} and its parents while they are empty, up to but not including the root. */
    private void removeEmptyFolders(Path folder) {
        for (Path current = folder;
                current != null && current.startsWith(root) && !current.equals(root);
                current = current.getParent()) {
            if (!Files.isDirectory(current, NOFOLLOW_LINKS)) {
                return; // a link to a folder is the operator's, not ours
            }
            try {
                Files.delete(current);
            } catch (IOException notEmptyOrGone) {
                return; // not empty (the usual stop), or tidying failed: best effort, the blob is gone either way
            }
        }
    }

    private static void setFilePermissions(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, FILE_PERMISSIONS);
        } catch (UnsupportedOperationException notPosix) {
            // Keep the file system's defaults.
        }
    }

    private static void deleteAfterFailure(Path temp, Exception failure) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
