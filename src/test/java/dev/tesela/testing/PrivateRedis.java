package dev.tesela.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Redis for one test class: a private {@code redis-server} on a free loopback port (no persistence), so what the
 * test publishes and stores neither reaches nor comes from other test runs on the shared server; when the binary is
 * not installed, the shared 127.0.0.1:6379 under the {@link Services} policy (skipped, or failed in CI). A binary
 * that is installed but will not start fails the test rather than falling back. {@link #close()} stops the server.
 */
public final class PrivateRedis implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private final String url;
    /** The running server; null for the shared fallback, and between {@link #kill()} and {@link #restart()}. */
    private Process process;

    private final Path binary;
    private final Path logFile;
    private final int port;

    private PrivateRedis(String url, Process process, Path binary, Path logFile, int port) {
        this.url = url;
        this.process = process;
        this.binary = binary;
        this.logFile = logFile;
        this.port = port;
    }

    /** Starts a private server logging to {@code logFile}, or falls back to the shared one as described above. */
    public static PrivateRedis startOrShared(Path logFile) {
        Optional<Path> binary = onPath("redis-server");
        if (binary.isEmpty()) {
            Services.requireRedis();
            return new PrivateRedis("redis://127.0.0.1:6379", null, null, logFile, 6379);
        }
        IllegalStateException failure =
                new IllegalStateException("redis-server " + binary.get() + " did not start; see " + logFile);
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freeLoopbackPort();
            Process process = launch(binary.get(), port, logFile);
            String url = "redis://127.0.0.1:" + port;
            if (answers(process, url)) {
                return new PrivateRedis(url, process, binary.get(), logFile, port);
            }
            failure.addSuppressed(new IllegalStateException("attempt on port " + port + " failed"));
            stop(process);
        }
        throw failure;
    }

    private static Process launch(Path binary, int port, Path logFile) {
        try {
            Files.createDirectories(logFile.getParent());
            return new ProcessBuilder(
                            binary.toString(),
                            "--bind",
                            "127.0.0.1",
                            "--port",
                            Integer.toString(port),
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--protected-mode",
                            "yes")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
    }

    /**
     * Kills the private server as a crash would (SIGKILL): connections are cut and its data is gone. Fault tests
     * only; refused for the shared fallback, which must never be stopped.
     */
    public void kill() {
        if (binary == null) {
            throw new IllegalStateException("the shared Redis is never stopped");
        }
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts the killed private server again, empty, on the same port; waits until it answers. */
    public void restart() {
        if (binary == null || process != null) {
            throw new IllegalStateException("only a killed private server can be restarted");
        }
        Process restarted = launch(binary, port, logFile);
        if (!answers(restarted, url)) {
            stop(restarted);
            throw new IllegalStateException("redis-server did not restart on port " + port + "; see " + logFile);
        }
        process = restarted;
    }

    /** {@link #restart()} when the server was killed; nothing otherwise. */
    public void restartIfKilled() {
        if (binary != null && process == null) {
            restart();
        }
    }

    /** {@code redis://127.0.0.1:<port>} of this server. */
    public String url() {
        return url;
    }

    /** True for a private server, false for the shared fallback. */
    public boolean isPrivate() {
        return binary != null;
    }

    @Override
    public void close() {
        if (process != null) {
            stop(process);
        }
    }

    private static boolean answers(Process process, String url) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        RedisClient client = RedisClient.create(RedisURI.create(url + "?timeout=1s"));
        try {
            while (process.isAlive() && System.nanoTime() < deadline) {
                try (var connection = client.connect()) {
                    if ("PONG".equals(connection.sync().ping())) {
                        return true;
                    }
                } catch (RuntimeException notYet) {
                    // not listening yet (or the port was taken meanwhile: the process then exits)
                }
                sleep(50);
            }
            return false;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A loopback port that was free a moment ago (the caller retries if it is taken before it binds it). */
    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }
}
