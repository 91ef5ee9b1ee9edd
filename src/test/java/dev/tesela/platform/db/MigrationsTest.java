package dev.tesela.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.impl.DSL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The one set of migrations runs on every vendor, for several prefixes in one database, and nothing else. */
class MigrationsTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void tenantAndControlSchemasMigrateSideBySideUnderTheirPrefixes(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind); Database database = new Database(db.config("tsl_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            assertNull(migrator.currentVersion(Schema.TENANT, "tsl_"));

            assertEquals(2, migrator.migrate(Schema.CONTROL, "tsl__"));
            assertEquals(3, migrator.migrate(Schema.TENANT, "tsl_"));
            assertEquals(3, migrator.migrate(Schema.TENANT, "tsl_acme_"), "a second prefix in the same database migrates too");
            assertEquals(0, migrator.migrate(Schema.TENANT, "tsl_"), "migrating again is a no-op");
            assertEquals("3", migrator.currentVersion(Schema.TENANT, "tsl_acme_"));

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
        try (TestDatabase db = TestDatabase.create(kind); Database database = new Database(db.config("zz_"), "test")) {
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
        try (TestDatabase db = TestDatabase.create(kind); Database database = new Database(db.config("tsl_"), "test")) {
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
    void tenantDslRendersEachPrefixAndKeepsRowsApart(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind); Database database = new Database(db.config("tsl_"), "test")) {
            SchemaMigrator migrator = new SchemaMigrator(database);
            migrator.migrate(Schema.TENANT, "tsl_a_");
            migrator.migrate(Schema.TENANT, "tsl_b_");
            var variables = DSL.table(DSL.name("variables"));
            var key = DSL.field(DSL.name("var_key"), String.class);
            var value = DSL.field(DSL.name("var_value"), String.class);
            database.tenantDsl("tsl_a_").insertInto(variables).set(key, "who").set(value, "a").execute();
            database.tenantDsl("tsl_b_").insertInto(variables).set(key, "who").set(value, "b").execute();
            assertEquals("a", database.tenantDsl("tsl_a_").select(value).from(variables).fetchOne(value));
            assertEquals("b", database.tenantDsl("tsl_b_").select(value).from(variables).fetchOne(value));
            assertTrue(database.tenantDsl("tsl_a_").renderInlined(DSL.selectFrom(variables)).contains("tsl_a_variables"));
        }
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
