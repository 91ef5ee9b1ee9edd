package dev.tesela.testing;

import dev.tesela.App;
import dev.tesela.platform.config.ConfigLoader;
import dev.tesela.platform.config.TeselaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Builds real application graphs for tests: config through the real loader, a temp data dir, port 0. */
public final class TestApps {
    private TestApps() {}

    /** Environment for an app on {@code db} with its data under a new temp dir; {@code extra} overrides. */
    public static Map<String, String> env(TestDatabase db, Map<String, String> extra) {
        return env(db.env(), extra);
    }

    /**
     * Environment for an app on the database that {@code dbEnv} (TESELA_DB_* keys) names, e.g. a private server,
     * with its data under a new temp dir; {@code extra} overrides.
     */
    public static Map<String, String> env(Map<String, String> dbEnv, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(dbEnv);
        try {
            Path dataDir = Files.createTempDirectory("tesela-data-");
            deleteOnExit(dataDir);
            env.put("TESELA_DATA_DIR", dataDir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("TESELA_HTTP_PORT", "0");
        env.put("TESELA_HTTP_HOST", "127.0.0.1");
        env.put("TESELA_HOSTNAME", "localhost");
        env.putAll(extra);
        return env;
    }

    /** Removes {@code dir} and everything in it when the test JVM exits. */
    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                TestFiles.deleteTree(dir);
            } catch (IOException ignored) {
                // best effort: it is a temp directory
            }
        }));
    }

    /**
     * Environment entries that make an app listen on a free loopback port and name {@code 127.0.0.1:<port>} as its
     * host (TESELA_HOSTNAME), for tests that follow the absolute links the app hands out (a browser, an API
     * client). The port is free when this returns; another process could take it before the app binds it, which on
     * a test machine does not happen in practice.
     */
    public static Map<String, String> reachableAt() {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = socket.getLocalPort();
            return Map.of("TESELA_HTTP_PORT", String.valueOf(port), "TESELA_HOSTNAME", "127.0.0.1:" + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TeselaConfig config(Map<String, String> env) {
        return ConfigLoader.load(env);
    }

    /** A wired and migrated app on {@code db}. The caller closes it. */
    public static App migratedApp(TestDatabase db, Map<String, String> extra) {
        App app = App.wire(config(env(db, extra)));
        app.migrate();
        return app;
    }

    public static Path dataDir(Map<String, String> env) {
        return Path.of(env.get("TESELA_DATA_DIR"));
    }

    public static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> copy = new HashMap<>(base);
        copy.put(key, value);
        return copy;
    }
}
