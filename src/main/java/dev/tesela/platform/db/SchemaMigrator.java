package dev.tesela.platform.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Runs the Flyway migrations of one schema (tenant or control plane) for one table prefix. Each prefix keeps its
 * own history table ({@code <prefix>schema_history}), so tenants sharing a database migrate independently.
 * Migrations are the only source of the schema.
 */
public final class SchemaMigrator {
    /** Which migration set: resource folder and history table suffix. */
    public enum Schema {
        TENANT("db/tenant"),
        CONTROL("db/control");

        final String location;

        Schema(String location) {
            this.location = location;
        }
    }

    private final Database database;

    public SchemaMigrator(Database database) {
        this.database = database;
    }

    /** Applies pending migrations; returns how many were applied. */
    public int migrate(Schema schema, String prefix) {
        MigrateResult result = flyway(schema, prefix).migrate();
        return result.migrationsExecuted;
    }

    /** The SQL that {@link #migrate} would run now, placeholders filled, without running it. */
    public String pendingSql(Schema schema, String prefix) {
        Flyway flyway = flyway(schema, prefix);
        Map<String, String> values = placeholders(prefix);
        StringBuilder out = new StringBuilder();
        for (MigrationInfo pending : flyway.info().pending()) {
            out.append("-- ").append(schema.location).append('/').append(pending.getScript()).append('\n');
            String sql = readResource(schema.location + "/" + pending.getScript());
            for (var e : values.entrySet()) {
                sql = sql.replace("${" + e.getKey() + "}", e.getValue());
            }
            out.append(sql.strip()).append("\n\n");
        }
        return out.toString();
    }

    /** Version of the newest applied migration, or null when none has run for this prefix. */
    public String currentVersion(Schema schema, String prefix) {
        MigrationInfo current = flyway(schema, prefix).info().current();
        return current == null || current.getVersion() == null ? null : current.getVersion().getVersion();
    }

    /**
     * Drops every table of the tenant schema under {@code prefix}, and its migration history. Idempotent. Used when a
     * tenant is deleted with its data, and to undo a provisioning that failed half-way.
     */
    public void dropTenantTables(String prefix) {
        List<String> names = new ArrayList<>();
        for (String table : SchemaTables.TENANT) {
            names.add(prefix + table);
        }
        names.add(prefix + "schema_history");
        String list = String.join(", ", names);
        try (Connection c = database.dataSource().getConnection(); Statement st = c.createStatement()) {
            switch (database.vendor()) {
                case MARIADB, MYSQL -> {
                    st.execute("SET FOREIGN_KEY_CHECKS = 0");
                    try {
                        st.execute("DROP TABLE IF EXISTS " + list);
                    } finally {
                        st.execute("SET FOREIGN_KEY_CHECKS = 1");
                    }
                }
                case H2, POSTGRES -> st.execute("DROP TABLE IF EXISTS " + list + " CASCADE");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop the tables under prefix " + prefix, e);
        }
    }

    private Flyway flyway(Schema schema, String prefix) {
        return Flyway.configure()
                .dataSource(database.dataSource())
                .locations("classpath:" + schema.location)
                .placeholders(placeholders(prefix))
                .table(prefix + "schema_history")
                // Several prefixes share one schema: the second one finds a non-empty schema, which is expected.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .cleanDisabled(true)
                .failOnMissingLocations(true)
                .loggers("slf4j")
                .load();
    }

    private Map<String, String> placeholders(String prefix) {
        Map<String, String> values = new HashMap<>(database.vendor().placeholders());
        values.put("prefix", prefix);
        return values;
    }

    private static String readResource(String path) {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("migration resource missing: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
