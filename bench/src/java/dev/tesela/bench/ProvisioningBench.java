package dev.tesela.bench;

import dev.tesela.App;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Provisioning: {@code n} tenants created one after the other through the real {@code TenantRegistry.create}
 * (table isolation: tenant tables migrated under &lt;prefix&gt;&lt;id&gt;_; database isolation: a database — a schema
 * on PostgreSQL — created and migrated per tenant; then the registry row, cache invalidation and bus message) on a
 * fresh database; then the size of everything it made. Usage: ProvisioningBench MARIADB|POSTGRES [n=200]
 * [table|database]. Database isolation uses a random table prefix, so tenant databases on the shared MariaDB server
 * cannot meet anyone else's; their names are logged to TESELA_BENCH_DB_LOG for clean-up after a crash. Last line:
 * {@code RESULT vendor=.. mode=.. n=.. median_ms=.. p95_ms=.. max_ms=.. first10_ms=.. last10_ms=.. total_s=..
 * tables=.. db_bytes=.. control_bytes=.. bytes_per_tenant=..}.
 */
public final class ProvisioningBench {
    private ProvisioningBench() {}

    public static void main(String[] args) throws SQLException {
        TestDatabase.Kind kind = TestDatabase.Kind.valueOf(args[0].toUpperCase(Locale.ROOT));
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String mode = args.length > 2 ? args[2] : "table";
        if (!mode.equals("table") && !mode.equals("database")) {
            throw new IllegalArgumentException("mode must be table or database, got " + mode);
        }
        String prefix = mode.equals("table")
                ? "tsl_"
                : "b" + dev.tesela.platform.security.Crypto.randomBase62(6).toLowerCase(Locale.ROOT) + "_";
        double[] ms = new double[n];
        long totalStart;
        long totalNanos;
        long controlBytes;
        long dbBytes;
        long tables;
        Map<String, String> env = BenchSupport.providerEnv();
        env.put("TESELA_TENANTS_DB_ISOLATION_MODE", mode);
        env.put("TESELA_DB_TABLE_PREFIX", prefix);
        try (TestDatabase db = BenchSupport.database(kind);
                App app = dev.tesela.testing.TestApps.migratedApp(db, env)) {
            controlBytes = size(db, prefix)[0];
            totalStart = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                var created = app.registry()
                        .create(new CreateTenant(
                                BenchSupport.id(i), BenchSupport.hostname(i), true, null, null, Map.of()));
                ms[i] = (System.nanoTime() - t0) / 1e6;
                if (created.placement().ownDatabase() && kind == TestDatabase.Kind.MARIADB) {
                    BenchSupport.logDatabase(kind, created.placement().database());
                }
                if ((i + 1) % 100 == 0) {
                    System.out.printf(Locale.ROOT, "%s: %d tenants provisioned, last %.0f ms%n", kind, i + 1, ms[i]);
                }
            }
            totalNanos = System.nanoTime() - totalStart;
            long[] s = size(db, prefix);
            dbBytes = s[0];
            tables = s[1];
        }
        int tenth = Math.max(1, n / 10);
        System.out.printf(
                Locale.ROOT,
                "RESULT vendor=%s mode=%s n=%d median_ms=%.0f p95_ms=%.0f max_ms=%.0f first10_ms=%.0f last10_ms=%.0f"
                        + " total_s=%.1f tables=%d db_bytes=%d control_bytes=%d bytes_per_tenant=%d%n",
                kind.name().toLowerCase(Locale.ROOT),
                mode,
                n,
                percentile(ms, 50),
                percentile(ms, 95),
                percentile(ms, 100),
                percentile(Arrays.copyOfRange(ms, 0, tenth), 50),
                percentile(Arrays.copyOfRange(ms, n - tenth, n), 50),
                totalNanos / 1e9,
                tables,
                dbBytes,
                controlBytes,
                (dbBytes - controlBytes) / n);
    }

    /**
     * {bytes, tables} of the current database and the tenant databases beside it (named {@code prefix}...): data +
     * indexes (MariaDB), pg_database_size, which holds the tenants' schemas too (PostgreSQL).
     */
    private static long[] size(TestDatabase db, String prefix) throws SQLException {
        String tenantSchemas = "table_schema LIKE '" + prefix.replace("_", "\\_") + "t%'";
        String sql = switch (db.kind()) {
            case MARIADB ->
                "SELECT COALESCE(SUM(data_length + index_length), 0), COUNT(*) FROM information_schema.tables"
                        + " WHERE table_schema = DATABASE() OR " + tenantSchemas;
            case POSTGRES ->
                "SELECT pg_database_size(current_database()),"
                        + " (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() OR "
                        + tenantSchemas + ")";
            case H2 -> throw new IllegalArgumentException("H2 is not measured");
        };
        try (Connection c = db.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Nearest-rank percentile. */
    private static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
