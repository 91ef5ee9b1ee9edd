package dev.tesela.bench;

import dev.tesela.App;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shared set-up of the tenancy benchmarks: throwaway databases (their names are appended to the file named by
 * TESELA_BENCH_DB_LOG so that bench/tenancy.sh can drop them even after a crash), a provider-mode app, and registry
 * rows inserted directly into the control plane.
 */
final class BenchSupport {
    private BenchSupport() {}

    /** A throwaway database of {@code kind}, recorded for clean-up by the script. */
    static TestDatabase database(TestDatabase.Kind kind) {
        TestDatabase db = TestDatabase.create(kind);
        if (kind != TestDatabase.Kind.H2) {
            String url = db.url();
            logDatabase(kind, url.substring(url.lastIndexOf('/') + 1));
        }
        return db;
    }

    /** Appends {@code name} to the file named by TESELA_BENCH_DB_LOG, which the script drops even after a crash. */
    static void logDatabase(TestDatabase.Kind kind, String name) {
        String log = System.getenv("TESELA_BENCH_DB_LOG");
        if (log == null || log.isBlank()) {
            return;
        }
        try {
            Files.writeString(
                    Path.of(log),
                    kind.name().toLowerCase(Locale.ROOT) + " " + name + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Provider-mode settings; Redis from TESELA_BENCH_REDIS_URL (the script's private server) or the local default. */
    static Map<String, String> providerEnv() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_TENANTS_ENABLED", "1");
        String redis = System.getenv("TESELA_BENCH_REDIS_URL");
        env.put("TESELA_REDIS_URL", redis == null || redis.isBlank() ? "redis://127.0.0.1:6379" : redis);
        env.put("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
        env.put("TESELA_PROVIDER_NAME", "x");
        env.put("TESELA_PROVIDER_URL", "https://x.example");
        return env;
    }

    /** A wired provider-mode app on {@code db} with its control plane migrated. */
    static App providerApp(TestDatabase db) {
        return TestApps.migratedApp(db, providerEnv());
    }

    static String id(int i) {
        return String.format(Locale.ROOT, "t%05d", i);
    }

    static String hostname(int i) {
        return id(i) + ".bench.example";
    }

    /**
     * Inserts {@code n} enabled tenants straight into the control plane's tenants table (no tenant tables: the
     * resolver only reads the registry) and returns their host names.
     */
    static String[] insertRegistryRows(TestDatabase db, App app, int n) {
        String table = App.controlPrefix(app.config()) + "tenants";
        String[] hosts = new String[n];
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO " + table
                                + " (id, hostname, is_enabled, created_at, updated_at) VALUES (?, ?, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < n; i++) {
                hosts[i] = hostname(i);
                ps.setString(1, id(i));
                ps.setString(2, hosts[i]);
                ps.addBatch();
                if (i % 1000 == 999) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return hosts;
    }

    /** Used heap after a few full collections. */
    static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
