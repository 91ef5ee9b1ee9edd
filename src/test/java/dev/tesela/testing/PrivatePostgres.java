package dev.tesela.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of one test class, for fault tests that stop and start it: {@code initdb} into a temp dir and
 * {@code pg_ctl} on a free loopback port (fsync off; nothing of it outlives {@link #close()}). Commits are
 * synchronous: with asynchronous commits, an immediate {@link #stopImmediately() stop} can lose transactions the tests
 * saw committed, whose WAL was still in the server's buffers (on a loaded machine, the likely cause of a CI run where
 * DependencyOutageTest's image row was gone after the restart: its viewer 404 while its file was served); fsync off
 * keeps commits cheap and, as only the server process dies, loses nothing. The binaries come
 * from {@code /usr/lib/postgresql/<version>/bin} (the newest version). PostgreSQL refuses to run as root, so as
 * root (CI) every command runs as the {@code postgres} OS user through {@code runuser}, in a directory that user
 * owns. Without the binaries the test is skipped, or failed in CI ({@link Services}). Not thread-safe: one test
 * thread drives it.
 */
public final class PrivatePostgres implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 30;
    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;
    private boolean running;

    private PrivatePostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** Initialises and starts a server with trust authentication for the user {@code postgres}. */
    public static PrivatePostgres start() {
        Optional<Path> bin = binaries();
        if (bin.isEmpty()) {
            Services.unavailable("PostgreSQL", new IOException("no initdb under /usr/lib/postgresql/*/bin"));
            throw new IllegalStateException("unreachable");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory("tesela-pg-");
            if (root) {
                UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
            }
            PrivatePostgres pg = new PrivatePostgres(bin.get(), dir, freeLoopbackPort(), root);
            pg.run(
                    "initdb",
                    "-D",
                    pg.data(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--no-instructions");
            pg.startServer();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("could not set up a private PostgreSQL", e);
        }
    }

    /** JDBC URL of the {@code postgres} database on this server (user {@code postgres}, no password). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public int port() {
        return port;
    }

    /** Stops the server at once, as a crash would ({@code pg_ctl stop -m immediate}): connections are cut. */
    public void stopImmediately() {
        run("pg_ctl", "-D", data(), "-m", "immediate", "-w", "-t", "20", "stop");
        running = false;
    }

    /** {@link #startServer()} when the server was stopped; nothing otherwise. */
    public void startIfStopped() {
        if (!running) {
            startServer();
        }
    }

    /** Starts the (stopped) server again on the same port and waits until it accepts connections. */
    public void startServer() {
        run(
                "pg_ctl",
                "-D",
                data(),
                "-l",
                dir.resolve("server.log").toString(),
                "-w",
                "-t",
                "20",
                "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=on"
                        + " -c full_page_writes=off -c shared_buffers=16MB -c max_connections=60",
                "start");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl() + "?connectTimeout=2", "postgres", "")) {
                running = true;
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "private PostgreSQL did not accept connections; see " + dir.resolve("server.log"), notYet);
                }
                sleep(50);
            }
        }
    }

    @Override
    public void close() {
        try {
            run("pg_ctl", "-D", data(), "-m", "immediate", "-w", "-t", "20", "stop");
        } catch (RuntimeException alreadyStopped) {
            // stopped by the test
        }
        try {
            TestFiles.deleteTree(dir);
        } catch (IOException ignored) {
            // a temp directory; best effort
        }
    }

    private String data() {
        return dir.resolve("data").toString();
    }

    /** Runs {@code bin/<tool> args} (as the postgres user when root); fails with its output when it fails. */
    private void run(String tool, String... args) {
        List<String> command = new ArrayList<>();
        if (asPostgresUser) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(bin.resolve(tool).toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("tesela-pg-cmd-", ".log");
            try {
                Process p = new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(tool + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(
                            String.join(" ", command) + " exited " + p.exitValue() + ":\n" + Files.readString(out));
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + tool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + tool, e);
        }
    }

    /** The newest {@code /usr/lib/postgresql/<version>/bin} holding initdb and pg_ctl. */
    private static Optional<Path> binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparingInt(
                            b -> versionOf(b.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name.replaceAll("[^0-9].*$", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
        }
    }
}
