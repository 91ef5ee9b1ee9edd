package dev.tesela.platform.db;

import static dev.tesela.platform.db.schema.control.Tables.TENANTS;
import static dev.tesela.platform.db.schema.tenant.Tables.USERS;
import static dev.tesela.platform.db.schema.tenant.Tables.VARIABLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.platform.db.schema.control.Control;
import dev.tesela.platform.db.schema.tenant.Tenant;
import dev.tesela.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one set of migrations runs on every vendor, for several prefixes in one database, and nothing else; the tables
 * and columns jOOQ generated at build time are exactly what they create on each vendor.
 */
class MigrationsTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void tenantAndControlSchemasMigrateSideBySideUnderTheirPrefixes(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("tsl_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            assertNull(migrator.currentVersion(Schema.TENANT, "tsl_"));

            assertEquals(2, migrator.migrate(Schema.CONTROL, "tsl__"));
            assertEquals(4, migrator.migrate(Schema.TENANT, "tsl_"));
            assertEquals(
                    4,
                    migrator.migrate(Schema.TENANT, "tsl_acme_"),
                    "a second prefix in the same database migrates too");
            assertEquals(0, migrator.migrate(Schema.TENANT, "tsl_"), "migrating again is a no-op");
            assertEquals("4", migrator.currentVersion(Schema.TENANT, "tsl_acme_"));

            Set<String> tables = tables(db);
            for (String t : SchemaTables.TENANT) {
                assertTrue(tables.contains("tsl_" + t), "missing tsl_" + t + " in " + tables);
                assertTrue(tables.contains("tsl_acme_" + t), "missing tsl_acme_" + t);
            }
            for (String t : SchemaTables.CONTROL) {
                assertTrue(tables.contains("tsl__" + t), "missing tsl__" + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void schemaTablesListsExactlyWhatTheMigrationsCreate(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("zz_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            migrator.migrate(Schema.TENANT, "zz_");
            migrator.migrate(Schema.CONTROL, "zz__");
            Set<String> tenant = new TreeSet<>();
            Set<String> control = new TreeSet<>();
            for (String t : tables(db)) {
                if (t.endsWith("schema_history")) {
                    continue;
                }
                if (t.startsWith("zz__")) {
                    control.add(t.substring(4));
                } else if (t.startsWith("zz_")) {
                    tenant.add(t.substring(3));
                }
            }
            assertEquals(new TreeSet<>(SchemaTables.TENANT), tenant);
            assertEquals(new TreeSet<>(SchemaTables.CONTROL), control);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void dumpShowsPendingSqlWithPlaceholdersFilledAndRunsNothing(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("tsl_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            String sql = migrator.pendingSql(Schema.TENANT, "tsl_");
            assertTrue(sql.contains("CREATE TABLE tsl_users"), sql.substring(0, Math.min(400, sql.length())));
            assertTrue(!sql.contains("${"), "every placeholder is filled");
            assertTrue(tables(db).stream().noneMatch(t -> t.startsWith("tsl_")), "dump created nothing");
            migrator.migrate(Schema.TENANT, "tsl_");
            assertEquals("", migrator.pendingSql(Schema.TENANT, "tsl_"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void generatedTablesAndColumnsAreWhatTheMigrationsCreate(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("zz_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            migrator.migrate(Schema.TENANT, "zz_");
            migrator.migrate(Schema.CONTROL, "zz__");
            List<String> differences = new ArrayList<>();
            int columns = 0;
            for (var entry : Map.of("zz_", Tenant.TENANT.getTables(), "zz__", Control.CONTROL.getTables())
                    .entrySet()) {
                for (Table<?> table : entry.getValue()) {
                    Map<String, Column> actual = columns(db, entry.getKey() + table.getName());
                    Map<String, Column> generated = new TreeMap<>();
                    for (Field<?> f : table.fields()) {
                        generated.put(f.getName(), null);
                        Column c = actual.get(f.getName());
                        if (c == null) {
                            differences.add(table.getName() + "." + f.getName() + " is generated but not created");
                            continue;
                        }
                        columns++;
                        if (c.nullable() != f.getDataType().nullable()) {
                            differences.add(table.getName() + "." + f.getName() + ": nullable " + c.nullable()
                                    + " in the database");
                        }
                        if (!javaTypesOf(c.jdbcType()).contains(f.getType())) {
                            differences.add(table.getName() + "." + f.getName() + ": generated "
                                    + f.getType().getSimpleName() + ", created as " + c.typeName() + " (JDBC type "
                                    + c.jdbcType() + ")");
                        }
                    }
                    actual.keySet().stream()
                            .filter(name -> !generated.containsKey(name))
                            .forEach(name ->
                                    differences.add(table.getName() + "." + name + " is created but not generated"));
                }
            }
            assertEquals(
                    List.of(), differences, "the build generated from other migrations than these, or types drifted");
            assertTrue(columns > 200, "only " + columns + " columns compared");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void tenantDslRendersEachPrefixAndKeepsRowsApart(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("tsl_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            migrator.migrate(Schema.TENANT, "tsl_a_");
            migrator.migrate(Schema.TENANT, "tsl_b_");
            var key = VARIABLES.VAR_KEY;
            var value = VARIABLES.VAR_VALUE;
            database.tenantDsl("tsl_a_")
                    .insertInto(VARIABLES)
                    .set(key, "who")
                    .set(value, "a")
                    .execute();
            database.tenantDsl("tsl_b_")
                    .insertInto(VARIABLES)
                    .set(key, "who")
                    .set(value, "b")
                    .execute();
            assertEquals(
                    "a",
                    database.tenantDsl("tsl_a_").select(value).from(VARIABLES).fetchOne(value));
            assertEquals(
                    "b",
                    database.tenantDsl("tsl_b_").select(value).from(VARIABLES).fetchOne(value));
            String sql = database.tenantDsl("tsl_a_").renderInlined(DSL.selectFrom(VARIABLES));
            assertTrue(sql.contains("tsl_a_variables") && !sql.contains(SchemaTables.TENANT_SCHEMA + "\""), sql);
            String control = database.controlDsl("tsl__").renderInlined(DSL.selectFrom(TENANTS));
            assertTrue(
                    control.contains("tsl__tenants") && !control.contains(SchemaTables.CONTROL_SCHEMA + "\""), control);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aStringLongerThanItsColumnMatchesNothing(TestDatabase.Kind kind) throws Exception {
        // H2 cuts a bind value cast to VARCHAR(n) down to n characters, and jOOQ casts bind values on H2: were the
        // generated columns typed with their lengths, a 17-character login would find the user with its first 16.
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("tsl_"), "test")) {
            new SchemaMigrator(database).migrate(Schema.TENANT, "tsl_");
            var dsl = database.tenantDsl("tsl_");
            dsl.insertInto(USERS)
                    .set(USERS.USERNAME, "abcdefghijklmnop")
                    .set(USERS.CREATED_AT, java.time.LocalDateTime.of(2026, 1, 1, 0, 0))
                    .execute();
            assertEquals(1, dsl.fetchCount(USERS, USERS.USERNAME.eq("abcdefghijklmnop")));
            assertEquals(0, dsl.fetchCount(USERS, USERS.USERNAME.eq("abcdefghijklmnopq")));
        }
    }

    /** A column as the driver describes it. */
    private record Column(int jdbcType, String typeName, boolean nullable) {}

    private static Map<String, Column> columns(TestDatabase db, String table) throws Exception {
        Map<String, Column> out = new TreeMap<>();
        try (Connection c = db.connect()) {
            String catalog = db.kind() == TestDatabase.Kind.MARIADB ? c.getCatalog() : null;
            String schema = db.kind() == TestDatabase.Kind.MARIADB ? null : "public";
            try (ResultSet rs = c.getMetaData().getColumns(catalog, schema, table, "%")) {
                while (rs.next()) {
                    out.put(
                            rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT),
                            new Column(
                                    rs.getInt("DATA_TYPE"),
                                    rs.getString("TYPE_NAME"),
                                    rs.getInt("NULLABLE") == DatabaseMetaData.columnNullable));
                }
            }
        }
        assertTrue(!out.isEmpty(), "no columns found for " + table);
        return out;
    }

    /** The Java types a generated field may have for a column of this JDBC type, on any of the vendors. */
    private static Set<Class<?>> javaTypesOf(int jdbcType) {
        return switch (jdbcType) {
            case Types.BIGINT -> Set.of(Long.class);
            case Types.INTEGER -> Set.of(Integer.class);
            case Types.VARCHAR, Types.LONGVARCHAR, Types.CLOB, Types.NVARCHAR, Types.LONGNVARCHAR ->
                Set.of(String.class);
            // MariaDB's BOOLEAN is TINYINT(1), which its driver reports as BIT.
            case Types.BOOLEAN, Types.BIT -> Set.of(Boolean.class);
            case Types.TIMESTAMP -> Set.of(LocalDateTime.class);
            case Types.DATE -> Set.of(LocalDate.class);
            case Types.BLOB, Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> Set.of(byte[].class);
            default -> Set.of();
        };
    }

    private static Set<String> tables(TestDatabase db) throws Exception {
        Set<String> names = new TreeSet<>();
        try (Connection c = db.connect()) {
            DatabaseMetaData meta = c.getMetaData();
            String catalog = db.kind() == TestDatabase.Kind.MARIADB ? c.getCatalog() : null;
            String schema = switch (db.kind()) {
                case H2, POSTGRES -> "public";
                case MARIADB -> null;
            };
            try (ResultSet rs = meta.getTables(catalog, schema, "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }
}
