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
 * Provisioning in table mode: {@code n} tenants created one after the other through the real
 * {@code TenantRegistry.create} (tenant tables migrated under tsl_&lt;id&gt;_, registry row, cache invalidation and bus
 * message) on a fresh database; then the database size. Usage: ProvisioningBench MARIADB|POSTGRES [n=200].
 * Last line: {@code RESULT vendor=.. n=.. median_ms=.. p95_ms=.. max_ms=.. first10_ms=.. last10_ms=.. total_s=..
 * tables=.. db_bytes=.. control_bytes=.. bytes_per_tenant=..}.
 */
public final class ProvisioningBench {
    private ProvisioningBench() {}

    public static void main(String[] args) throws SQLException {
        TestDatabase.Kind kind = TestDatabase.Kind.valueOf(args[0].toUpperCase(Locale.ROOT));
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        double[] ms = new double[n];
        long totalStart;
        long totalNanos;
        long controlBytes;
        long dbBytes;
        long tables;
        try (TestDatabase db = BenchSupport.database(kind); App app = BenchSupport.providerApp(db)) {
            controlBytes = size(db)[0];
            totalStart = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                app.registry.create(new CreateTenant(BenchSupport.id(i), BenchSupport.hostname(i), true, null, null, Map.of()));
                ms[i] = (System.nanoTime() - t0) / 1e6;
                if ((i + 1) % 100 == 0) {
                    System.out.printf(Locale.ROOT, "%s: %d tenants provisioned, last %.0f ms%n", kind, i + 1, ms[i]);
                }
            }
            totalNanos = System.nanoTime() - totalStart;
            long[] s = size(db);
            dbBytes = s[0];
            tables = s[1];
        }
        int tenth = Math.max(1, n / 10);
        System.out.printf(Locale.ROOT, "RESULT vendor=%s n=%d median_ms=%.0f p95_ms=%.0f max_ms=%.0f first10_ms=%.0f last10_ms=%.0f"
                        + " total_s=%.1f tables=%d db_bytes=%d control_bytes=%d bytes_per_tenant=%d%n",
                kind.name().toLowerCase(Locale.ROOT), n, percentile(ms, 50), percentile(ms, 95), percentile(ms, 100),
                percentile(Arrays.copyOfRange(ms, 0, tenth), 50), percentile(Arrays.copyOfRange(ms, n - tenth, n), 50),
                totalNanos / 1e9, tables, dbBytes, controlBytes, (dbBytes - controlBytes) / n);
    }

    /** {bytes, tables} of the current database: data + indexes (MariaDB), pg_database_size (PostgreSQL). */
    private static long[] size(TestDatabase db) throws SQLException {
        String sql = switch (db.kind()) {
            case MARIADB -> "SELECT COALESCE(SUM(data_length + index_length), 0), COUNT(*) FROM information_schema.tables"
                    + " WHERE table_schema = DATABASE()";
            case POSTGRES -> "SELECT pg_database_size(current_database()),"
                    + " (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema())";
            case H2 -> throw new IllegalArgumentException("H2 is not measured");
        };
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
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
