package dev.tesela.testing;

import dev.tesela.App;
import dev.tesela.cli.TeselaCli;
import java.util.HashMap;
import java.util.Map;

/**
 * Many command lines run in-process on ONE application, as a test's stand-in for running {@code tesela} many times
 * against one installation: every run goes through the real parsing, commands, output and exit codes
 * ({@link TeselaCli#run(String[], Map, java.io.PrintStream, java.io.PrintStream, App)}); only the wiring is shared,
 * made on the first run as a command makes it ({@link App#forCommand}). That saves a pool, a Redis client and the
 * first queries per command (a second or more each on a busy machine).
 *
 * <p>The app keeps its caches between runs, as an instance does: a change made through a command is seen by the next
 * one (the directory drops what a change touches); a change made behind its back (SQL of the test's own) may not be.
 * A run whose configuration differs needs its own wiring: {@link CliRun#run(Map, String...)}. Close the session
 * before dropping its database. Not thread-safe.
 */
public final class CliSession implements AutoCloseable {
    private static final String TENANT = "TESELA_TENANT";
    private final Map<String, String> env;
    private App app;

    public CliSession(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Runs {@code args} with the session's environment. */
    public CliRun run(String... args) {
        return run(env, args);
    }

    /**
     * Runs {@code args} with {@code env}, which may differ from the session's only in {@code TESELA_TENANT} (read by
     * the CLI itself, not by the configuration).
     */
    public CliRun run(Map<String, String> env, String... args) {
        if (!withoutTenant(env).equals(withoutTenant(this.env))) {
            throw new IllegalArgumentException(
                    "a different configuration needs its own wiring: use CliRun.run(env, ...)");
        }
        return CliRun.run((out, err) -> TeselaCli.run(args, env, out, err, app()));
    }

    /** The shared application (wired now if no command ran yet), e.g. to check what the commands stored. */
    public App app() {
        if (app == null) {
            app = App.forCommand(TestApps.config(env));
        }
        return app;
    }

    private static Map<String, String> withoutTenant(Map<String, String> env) {
        Map<String, String> copy = new HashMap<>(env);
        copy.remove(TENANT);
        return copy;
    }

    @Override
    public void close() {
        if (app != null) {
            app.close();
            app = null;
        }
    }
}
