package dev.tesela.imaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * A hidden temporary sibling of an output file ({@code .tesela-<random>.<extension>} in the target's directory, so
 * the final move is an atomic rename on the same file system). An engine writes it in full, then {@link #commit()}
 * moves it onto the target; {@link #close()} without a commit deletes it. So a failed render never leaves a partial
 * target, nor a temporary file. Created with the process's default permissions (not 0600), like the target would be.
 * Not thread-safe; one per render.
 */
final class PendingFile implements AutoCloseable {
    private final Path temp;
    private final Path target;
    private boolean committed;

    private PendingFile(Path temp, Path target) {
        this.temp = temp;
        this.target = target;
    }

    /** Creates the empty temporary file next to {@code target}; {@code extension} without the dot. */
    static PendingFile beside(Path target, String extension) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createFile(dir.resolve(".tesela-" + UUID.randomUUID() + "." + extension));
        return new PendingFile(temp, target);
    }

    /** Where the engine writes. */
    Path path() {
        return temp;
    }

    /** Moves the written file onto the target (atomic rename) and returns its size in bytes. */
    long commit() throws IOException {
        long size = Files.size(temp);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        return size;
    }

    /** Deletes the temporary file unless it was committed. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            Files.deleteIfExists(temp);
        }
    }
}
