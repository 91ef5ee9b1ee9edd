package dev.tesela.platform.db;

import dev.tesela.platform.config.TeselaConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Runs the Flyway migrations of one schema (tenant or control plane) for one table prefix, and creates and removes
 * tenants' own databases. Each prefix keeps its own history table ({@code <prefix>schema_history}, in the tenant's
 * database when it has one), so tenants migrate independently. Migrations are the only source of the schema.
 *
 * <p>Migrations into a tenant's own database run on a connection of their own, never one from the shared pool:
 * Flyway switches a connection's current database to migrate it, and a pooled connection left switched would send
 * another tenant's unqualified queries to the wrong place.
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

    private static final Pattern DATABASE_NAME = Pattern.compile("^[a-z][a-z0-9_]{0,62}$");

    private final DatabaseServers servers;

    public SchemaMigrator(DatabaseServers servers) {
        this.servers = servers;
    }

    /** A migrator for one server only (tests and tools without named servers). */
    public SchemaMigrator(Database database) {
        this(new DatabaseServers(database, Map.of()));
    }

    /** Applies pending migrations of {@code schema} to the default server's tables under {@code prefix}; returns how many. */
    public int migrate(Schema schema, String prefix) {
        return migrate(schema, TenantPlacement.shared(prefix));
    }

    /** Applies pending tenant migrations where {@code placement} says; returns how many were applied. */
    public int migrateTenant(TenantPlacement placement) {
        return migrate(Schema.TENANT, placement);
    }

    private int migrate(Schema schema, TenantPlacement placement) {
        Flyway flyway = flyway(schema, placement);
        if (!historyExists(placement)) {
            // A new history: Flyway would first check whether the schema is empty, and on MariaDB that check reads the
            // metadata of every table in the database, so in table isolation each tenant took longer to provision
            // than the one before (1 s at 400 tenants). Starting the history with the version-0 baseline that
            // baselineOnMigrate would write anyway skips the check.
            flyway.baseline();
        }
        MigrateResult result = flyway.migrate();
        return result.migrationsExecuted;
    }

    /** True when the Flyway history table of {@code placement} exists (one indexed lookup, whatever the table count). */
    private boolean historyExists(TenantPlacement placement) {
        Database database = servers.server(placement.server());
        String schema = placement.ownDatabase()
                ? "?"
                : switch (database.vendor()) {
                    case MARIADB, MYSQL -> "DATABASE()";
                    case POSTGRES -> "current_schema()";
                    case H2 -> "CURRENT_SCHEMA";
                };
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement st =
                        c.prepareStatement("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                                + schema + " AND table_name = ?")) {
            int i = 1;
            if (placement.ownDatabase()) {
                st.setString(i++, placement.database());
            }
            st.setString(i, placement.tablePrefix() + "schema_history");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not look for the migration history of " + placement, e);
        }
    }

    /** The SQL that {@link #migrate} would run now, placeholders filled, without running it. */
    public String pendingSql(Schema schema, String prefix) {
        return pendingSql(schema, TenantPlacement.shared(prefix));
    }

    /** The SQL that {@link #migrateTenant} would run now, placeholders filled, without running it. */
    public String pendingTenantSql(TenantPlacement placement) {
        return pendingSql(Schema.TENANT, placement);
    }

    private String pendingSql(Schema schema, TenantPlacement placement) {
        Flyway flyway = flyway(schema, placement);
        String prefix = placement.tablePrefix();
        Map<String, String> values = placeholders(servers.server(placement.server()), prefix);
        StringBuilder out = new StringBuilder();
        for (MigrationInfo pending : flyway.info().pending()) {
            out.append("-- ")
                    .append(schema.location)
                    .append('/')
                    .append(pending.getScript())
                    .append('\n');
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
        return currentVersion(schema, TenantPlacement.shared(prefix));
    }

    /** Version of the newest tenant migration applied where {@code placement} says, or null when none has run. */
    public String tenantVersion(TenantPlacement placement) {
        return currentVersion(Schema.TENANT, placement);
    }

    private String currentVersion(Schema schema, TenantPlacement placement) {
        if (placement.ownDatabase() && !databaseExists(placement)) {
            return null;
        }
        MigrationInfo current = flyway(schema, placement).info().current();
        return current == null || current.getVersion() == null
                ? null
                : current.getVersion().getVersion();
    }

    /** True when the database {@code placement} names exists on its server (always true for a shared placement). */
    public boolean databaseExists(TenantPlacement placement) {
        if (!placement.ownDatabase()) {
            return true;
        }
        Database database = servers.server(placement.server());
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement st =
                        c.prepareStatement("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?")) {
            st.setString(1, placement.database());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "could not look for database " + placement.database() + " on server " + placement.server(), e);
        }
    }

    /**
     * Creates the empty database {@code placement} names. Exactly one of several callers creating the same name at
     * once succeeds; the others, and any caller finding the name taken, get {@link DatabaseExistsException} and must
     * not remove it.
     */
    public void createTenantDatabase(TenantPlacement placement) {
        String name = checkedName(placement);
        if (databaseExists(placement)) {
            throw new DatabaseExistsException(placement);
        }
        Database database = servers.server(placement.server());
        String ddl = switch (database.vendor()) {
            case MARIADB, MYSQL -> "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
            case H2, POSTGRES -> "CREATE SCHEMA " + name;
        };
        try (Connection c = database.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute(ddl);
        } catch (SQLException e) {
            if (databaseExists(placement)) {
                throw new DatabaseExistsException(placement);
            }
            throw new IllegalStateException(
                    "could not create database " + name + " on server " + placement.server(), e);
        }
    }

    /** The database a placement names already exists; nothing was created. */
    public static final class DatabaseExistsException extends RuntimeException {
        public DatabaseExistsException(TenantPlacement placement) {
            super("database " + placement.database() + " already exists on server " + placement.server());
        }
    }

    /**
     * Removes a tenant's tables and data: its own database when it has one, else every table of the tenant schema
     * under its prefix and the migration history. Idempotent. Used when a tenant is deleted with its data, and to
     * undo a provisioning that failed half-way.
     */
    public void dropTenant(TenantPlacement placement) {
        if (!placement.ownDatabase()) {
            dropTenantTables(servers.server(placement.server()), placement.tablePrefix());
            return;
        }
        String name = checkedName(placement);
        Database database = servers.server(placement.server());
        String ddl = switch (database.vendor()) {
            case MARIADB, MYSQL -> "DROP DATABASE IF EXISTS " + name;
            case H2, POSTGRES -> "DROP SCHEMA IF EXISTS " + name + " CASCADE";
        };
        try (Connection c = database.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute(ddl);
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop database " + name + " on server " + placement.server(), e);
        }
    }

    /** Drops the tenant tables under {@code prefix} in the default server's shared database. Idempotent. */
    public void dropTenantTables(String prefix) {
        dropTenant(TenantPlacement.shared(prefix));
    }

    private static String checkedName(TenantPlacement placement) {
        // Names reach DDL unquoted: only this shape, which needs no quoting on any vendor, is ever accepted.
        if (!DATABASE_NAME.matcher(placement.database()).matches()) {
            throw new IllegalArgumentException("not a valid database name: " + placement.database());
        }
        return placement.database();
    }

    private static void dropTenantTables(Database database, String prefix) {
        List<String> names = new ArrayList<>();
        for (String table : SchemaTables.TENANT) {
            names.add(prefix + table);
        }
        names.add(prefix + "schema_history");
        String list = String.join(", ", names);
        try (Connection c = database.dataSource().getConnection();
                Statement st = c.createStatement()) {
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

    private Flyway flyway(Schema schema, TenantPlacement placement) {
        Database database = servers.server(placement.server());
        var configuration = Flyway.configure()
                .locations("classpath:" + schema.location)
                .placeholders(placeholders(database, placement.tablePrefix()))
                .table(placement.tablePrefix() + "schema_history")
                // Several prefixes share one schema: the second one finds a non-empty schema, which is expected.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .cleanDisabled(true)
                .failOnMissingLocations(true)
                .loggers("slf4j");
        if (placement.ownDatabase()) {
            TeselaConfig.Db config = database.config();
            configuration
                    .dataSource(config.url(), config.user(), config.password())
                    .schemas(checkedName(placement))
                    .defaultSchema(placement.database())
                    // The database exists (createTenantDatabase made it); with false Flyway warns on every migration
                    // that it will not create one. True creates nothing that exists.
                    .createSchemas(true);
        } else {
            configuration.dataSource(database.dataSource());
        }
        return configuration.load();
    }

    private static Map<String, String> placeholders(Database database, String prefix) {
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
