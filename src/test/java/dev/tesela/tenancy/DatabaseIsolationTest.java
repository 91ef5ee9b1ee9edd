package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.SchemaTables;
import dev.tesela.platform.db.TenantPlacement;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import dev.tesela.tenancy.TenantCommands.PlanChange;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestDatabase.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.impl.DataSourceConnectionProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Database isolation: a tenant provisioned with a database of its own (a schema on PostgreSQL and H2), on the
 * default server or a named one, next to tenants in table isolation in the same installation; and a tenant's own
 * encryption key. Tenant ids carry a random suffix: on MariaDB tenant databases sit beside the test database, where
 * other test runs may be provisioning at the same time.
 */
class DatabaseIsolationTest {
    @BeforeAll
    static void redisIsReachable() {
        Services.requireRedis();
    }

    private static Map<String, String> providerEnv(String isolation) {
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        env.put("TESELA_TENANTS_DB_ISOLATION_MODE", isolation);
        return env;
    }

    private static String suffix() {
        return Crypto.randomBase62(6).toLowerCase(Locale.ROOT);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void aTenantGetsAMigratedDatabaseOfItsOwnThatDeleteCanDrop(Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(db, providerEnv("database"))) {
            String id = "d" + suffix();
            TenantRecord created =
                    app.registry().create(new CreateTenant(id, id + ".test", true, null, null, Map.of()));

            TenantPlacement placement = created.placement();
            assertEquals(
                    new TenantPlacement("default", "tsl_" + id, "tsl_"),
                    placement,
                    "own database, single-site table names");
            assertEquals(
                    tenantTables("tsl_"),
                    tablesIn(db, placement.database()),
                    "the whole schema and its history, in the tenant's database");
            assertEquals(
                    Set.of(),
                    withPrefix(tablesIn(db, sharedSchema(db)), "tsl_" + id + "_"),
                    "nothing in the shared database");
            assertEquals(placement, app.tenants().byId(id).orElseThrow().placement());

            // The tenant works like any other, and its rows are in its database.
            TenantContext tenant = app.tenants().byId(id).orElseThrow();
            app.installs()
                    .install(
                            app.systemContext(tenant),
                            new InstallCommand("alice", "alice@example.com", "alice password"));
            assertEquals(List.of("alice"), usernames(db, placement.database() + ".tsl_users"));
            assertTrue(app.accounts()
                    .authenticateApiKey(tenant, app.accounts().createApiKey(app.systemContext(tenant), "alice", "k"))
                    .isPresent());
            assertEquals(0, app.registry().migrateOne(id).applied(), "database:migrate finds it up to date");
            assertEquals("4", app.migrator().tenantVersion(placement));

            // The CLI shows where it is; delete keeps the database unless told to drop it.
            CliRun get = CliRun.run(cliEnv(db, app), "tenants", "get", "--id", id);
            assertEquals(0, get.exitCode(), get::toString);
            assertEquals("database", get.json().get("database").get("isolation").asString());
            assertEquals("tsl_" + id, get.json().get("database").get("name").asString());
            assertEquals("default", get.json().get("database").get("server").asString());

            app.registry().delete(id, false);
            assertTrue(app.migrator().databaseExists(placement), "kept");
            assertEquals(List.of("alice"), usernames(db, placement.database() + ".tsl_users"));
            AppException again = assertThrows(
                    AppException.class,
                    () -> app.registry().create(new CreateTenant(id, id + ".test", true, null, null, Map.of())));
            assertEquals(ErrorCode.CONFLICT, again.code());
            assertTrue(again.getMessage().contains("The database 'tsl_" + id + "' already exists"), again.getMessage());
            assertEquals(
                    List.of("alice"),
                    usernames(db, placement.database() + ".tsl_users"),
                    "a refused create leaves the old database alone");

            // Adopt it back by hand (a provider restoring a registry row), then drop it with the tenant.
            String other = "e" + suffix();
            app.registry().create(new CreateTenant(other, other + ".test", true, null, null, Map.of()));
            TenantPlacement otherPlacement = app.registry().get(other).placement();
            app.registry().delete(other, true);
            assertFalse(app.migrator().databaseExists(otherPlacement), "dropped with its tenant");
            assertTrue(app.migrator().databaseExists(placement), "only that one");
            app.migrator().dropTenant(placement);
            assertFalse(app.migrator().databaseExists(placement));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Kind.class,
            names = {"MARIADB", "POSTGRES"})
    void planAndTenantEnvMixBothIsolationsInOneInstallation(Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(db, providerEnv("table"))) {
            String s = suffix();
            app.registry()
                    .createPlan(new PlanChange(
                            "dedicated" + s.substring(0, 4),
                            Optional.empty(),
                            Optional.of(Map.of("TESELA_TENANTS_DB_ISOLATION_MODE", "database"))));
            String plan = "dedicated" + s.substring(0, 4);
            String shared = "s" + s;
            String onPlan = "p" + s;
            String overridden = "o" + s;
            app.registry().create(new CreateTenant(shared, shared + ".test", true, null, null, Map.of()));
            app.registry().create(new CreateTenant(onPlan, onPlan + ".test", true, plan, null, Map.of()));
            app.registry()
                    .create(new CreateTenant(
                            overridden,
                            overridden + ".test",
                            true,
                            plan,
                            null,
                            Map.of("TESELA_TENANTS_DB_ISOLATION_MODE", "prefix")));

            assertEquals(
                    TenantPlacement.shared("tsl_" + shared + "_"),
                    app.registry().get(shared).placement());
            assertEquals(
                    new TenantPlacement("default", "tsl_" + onPlan, "tsl_"),
                    app.registry().get(onPlan).placement());
            assertEquals(
                    TenantPlacement.shared("tsl_" + overridden + "_"),
                    app.registry().get(overridden).placement(),
                    "the tenant's env wins over its plan's");
            assertEquals(
                    tenantTables("tsl_" + shared + "_"),
                    withPrefix(tablesIn(db, sharedSchema(db)), "tsl_" + shared + "_"));
            assertEquals(tenantTables("tsl_"), tablesIn(db, "tsl_" + onPlan));

            // Each is its own site: the same user name in all three, each with its own data.
            for (String id : List.of(shared, onPlan, overridden)) {
                TenantContext t = app.tenants().byId(id).orElseThrow();
                app.installs()
                        .install(
                                app.systemContext(t),
                                new InstallCommand("admin", id + "@example.com", "password of " + id));
            }
            for (String id : List.of(shared, onPlan, overridden)) {
                TenantContext t = app.tenants().byId(id).orElseThrow();
                assertTrue(signsIn(app, t, "admin", "password of " + id), id);
                for (String otherId : List.of(shared, onPlan, overridden)) {
                    if (!otherId.equals(id)) {
                        assertTrue(!signsIn(app, t, "admin", "password of " + otherId), id + " vs " + otherId);
                    }
                }
            }

            // Changing the plan later does not move anyone: placement is fixed at provisioning.
            app.registry()
                    .editPlan(new PlanChange(
                            plan, Optional.empty(), Optional.of(Map.of("TESELA_TENANTS_DB_ISOLATION_MODE", "table"))));
            assertEquals(
                    new TenantPlacement("default", "tsl_" + onPlan, "tsl_"),
                    app.tenants().byId(onPlan).orElseThrow().placement());
            assertTrue(signsIn(app, app.tenants().byId(onPlan).orElseThrow(), "admin", "password of " + onPlan));

            // Connection pools are per server, not per tenant: every tenant's DSLContext draws on the one pool.
            var pool = ((DataSourceConnectionProvider) app.tenants()
                            .byId(shared)
                            .orElseThrow()
                            .db()
                            .dsl()
                            .configuration()
                            .connectionProvider())
                    .dataSource();
            for (String id : List.of(onPlan, overridden)) {
                assertSame(
                        pool,
                        ((DataSourceConnectionProvider) app.tenants()
                                        .byId(id)
                                        .orElseThrow()
                                        .db()
                                        .dsl()
                                        .configuration()
                                        .connectionProvider())
                                .dataSource(),
                        id);
            }
            assertSame(app.database().dataSource(), pool);

            // database:migrate covers both kinds.
            for (TenantRegistry.MigrationOutcome outcome : app.registry().migrateAll(2)) {
                assertNull(outcome.error(), outcome.toString());
                assertEquals(0, outcome.applied());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void aTenantCanBePlacedOnANamedServer(Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                TestDatabase second = TestDatabase.create(kind)) {
            Map<String, String> env = providerEnv("table");
            env.put("TESELA_DB_SERVERS", "second");
            env.put("TESELA_DB_SERVER_SECOND_URL", second.url());
            env.put("TESELA_DB_SERVER_SECOND_USER", second.env().get("TESELA_DB_USER"));
            env.put("TESELA_DB_SERVER_SECOND_POOL_SIZE", "2");
            try (App app = TestApps.migratedApp(db, env)) {
                String id = "n" + suffix();
                String name = "tenant_" + id;
                TenantRecord created = app.registry()
                        .create(new CreateTenant(
                                id,
                                id + ".test",
                                true,
                                null,
                                null,
                                Map.of(
                                        "TESELA_TENANTS_DB_ISOLATION_MODE",
                                        "database",
                                        "TESELA_DB_SERVER",
                                        "second",
                                        "TESELA_DB_NAME",
                                        name)));

                assertEquals(new TenantPlacement("second", name, "tsl_"), created.placement());
                assertEquals(tenantTables("tsl_"), tablesIn(second, name), "on the second server");
                if (kind != Kind.MARIADB) {
                    // PostgreSQL and H2 schemas live inside one server's database: nothing of it on the default one.
                    assertEquals(Set.of(), tablesIn(db, name));
                }
                TenantContext tenant = app.tenants().byId(id).orElseThrow();
                app.installs()
                        .install(
                                app.systemContext(tenant),
                                new InstallCommand("nina", "nina@example.com", "nina password"));
                assertEquals(List.of("nina"), usernames(second, name + ".tsl_users"));
                assertTrue(signsIn(app, tenant, "nina", "nina password"));

                // An unknown server is refused by name, before anything is created.
                String lost = "l" + suffix();
                AppException unknown = assertThrows(
                        AppException.class,
                        () -> app.registry()
                                .create(new CreateTenant(
                                        lost,
                                        lost + ".test",
                                        true,
                                        null,
                                        null,
                                        Map.of(
                                                "TESELA_TENANTS_DB_ISOLATION_MODE",
                                                "database",
                                                "TESELA_DB_SERVER",
                                                "third"))));
                assertEquals(ErrorCode.INVALID_INPUT, unknown.code());
                assertTrue(
                        unknown.fieldErrors().get("env").contains("'third', which is not a configured database server"),
                        unknown.fieldErrors().toString());
                assertFalse(app.migrator().databaseExists(new TenantPlacement("default", "tsl_" + lost, "tsl_")));
                assertThrows(AppException.class, () -> app.registry().get(lost));

                // Started without that server configured, the installation serves the tenant as unavailable (503), not
                // a 500.
                Map<String, String> without = new HashMap<>(env);
                without.keySet().removeIf(k -> k.startsWith("TESELA_DB_SERVER"));
                try (App stranded = App.wire(TestApps.config(TestApps.env(db, without)))) {
                    assertEquals(List.of(id), stranded.tenants().tenantsOnMissingServers());
                    AppException cannotDrop = assertThrows(
                            AppException.class, () -> stranded.registry().delete(id, true));
                    assertEquals(ErrorCode.CONFLICT, cannotDrop.code());
                    assertTrue(
                            cannotDrop.getMessage().contains("'second', which is not configured"),
                            cannotDrop.getMessage());
                    assertEquals(
                            id, stranded.registry().get(id).id(), "the refused delete keeps the tenant registered");
                    assertTrue(
                            stranded.tenants().resolve(id + ".test")
                                    instanceof dev.tesela.platform.context.TenantResolver.Resolution.Unavailable);
                    var server = stranded.webServer();
                    int port = server.start();
                    try {
                        var page = java.net.http.HttpClient.newHttpClient()
                                .send(
                                        java.net.http.HttpRequest.newBuilder(
                                                        java.net.URI.create("http://127.0.0.1:" + port + "/"))
                                                .header("Host", id + ".test")
                                                .build(),
                                        java.net.http.HttpResponse.BodyHandlers.ofString());
                        assertEquals(503, page.statusCode());
                        assertTrue(page.body().contains("temporarily unavailable"), page.body());
                    } finally {
                        server.stop();
                    }
                }

                app.registry().delete(id, true);
                assertEquals(Set.of(), tablesIn(second, name), "dropped on the server it was on");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void refusedProvisioningNamesTheProblemAndRemovesOnlyWhatItCreated(Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(db, providerEnv("database"))) {
            String s = suffix();
            Set<String> registryBefore = ids(app);

            Map<Map<String, String>, String> badEnv = Map.of(
                    Map.of("TESELA_TENANTS_DB_ISOLATION_MODE", "schema"),
                            "TESELA_TENANTS_DB_ISOLATION_MODE must be table",
                    Map.of("TESELA_DB_NAME", "Bad-Name"), "TESELA_DB_NAME must be 1 to 63 characters",
                    Map.of("TESELA_DB_SERVER", "no/such"), "TESELA_DB_SERVER must be a server name",
                    Map.of("TESELA_ENCRYPTION_KEY", "c2hvcnQ="),
                            "TESELA_ENCRYPTION_KEY must be the base64 of 32 random bytes");
            for (var bad : badEnv.entrySet()) {
                AppException e = assertThrows(
                        AppException.class,
                        () -> app.registry()
                                .create(new CreateTenant("x" + s, "x" + s + ".test", true, null, null, bad.getKey())));
                assertEquals(ErrorCode.INVALID_INPUT, e.code());
                String field = "env." + bad.getKey().keySet().iterator().next();
                assertTrue(e.fieldErrors().get(field).contains(bad.getValue()), bad + " → " + e.fieldErrors());
            }
            assertFalse(
                    app.migrator().databaseExists(new TenantPlacement("default", "tsl_x" + s, "tsl_")),
                    "nothing created");

            // A database that exists already is never adopted, and never dropped by the refusal.
            String taken = "taken_" + s;
            TenantPlacement takenPlacement = new TenantPlacement("default", taken, "tsl_");
            app.migrator().createTenantDatabase(takenPlacement);
            try (Connection c = db.connect();
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + taken + ".keepme (id INT)");
            }
            AppException exists = assertThrows(
                    AppException.class,
                    () -> app.registry()
                            .create(new CreateTenant(
                                    "y" + s, "y" + s + ".test", true, null, null, Map.of("TESELA_DB_NAME", taken))));
            assertEquals(ErrorCode.CONFLICT, exists.code());
            assertTrue(exists.getMessage().contains("already exists on server 'default'"), exists.getMessage());
            assertEquals(Set.of("keepme"), tablesIn(db, taken), "the existing database is untouched");

            // Two tenants cannot share a database.
            String first = "f" + s;
            app.registry()
                    .create(new CreateTenant(
                            first, first + ".test", true, null, null, Map.of("TESELA_DB_NAME", "shared_" + s)));
            AppException shared = assertThrows(
                    AppException.class,
                    () -> app.registry()
                            .create(new CreateTenant(
                                    "g" + s,
                                    "g" + s + ".test",
                                    true,
                                    null,
                                    null,
                                    Map.of("TESELA_DB_NAME", "shared_" + s))));
            assertEquals(ErrorCode.CONFLICT, shared.code());
            assertTrue(shared.getMessage().contains("already belongs to another tenant"), shared.getMessage());

            // Provisioning that fails after the database was created (the plan does not exist) drops it again.
            String ghost = "h" + s;
            AppException noPlan = assertThrows(
                    AppException.class,
                    () -> app.registry()
                            .create(new CreateTenant(ghost, ghost + ".test", true, "nosuch", null, Map.of())));
            assertEquals(ErrorCode.CONFLICT, noPlan.code());
            assertFalse(
                    app.migrator().databaseExists(new TenantPlacement("default", "tsl_" + ghost, "tsl_")),
                    "dropped again");

            Set<String> expected = new TreeSet<>(registryBefore);
            expected.add(first);
            assertEquals(expected, ids(app), "only the tenant that was provisioned is registered");
            app.migrator().dropTenant(takenPlacement);
        }
    }

    @ParameterizedTest(name = "{0}, {1} isolation")
    @org.junit.jupiter.params.provider.CsvSource({
        "MARIADB, table",
        "MARIADB, database",
        "POSTGRES, table",
        "POSTGRES, database"
    })
    void twoCreatesOfOneIdAtOnceLeaveOneWorkingTenant(Kind kind, String isolation) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(db, providerEnv(isolation))) {
            String id = "r" + suffix();
            var start = new java.util.concurrent.CyclicBarrier(2);
            List<java.util.concurrent.Future<Object>> outcomes = new java.util.ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
                for (int i = 0; i < 2; i++) {
                    outcomes.add(pool.submit(() -> {
                        start.await();
                        try {
                            return app.registry()
                                    .create(new CreateTenant(id, id + ".test", true, null, null, Map.of()));
                        } catch (AppException e) {
                            return e;
                        }
                    }));
                }
            }
            List<Object> results = new java.util.ArrayList<>();
            for (var f : outcomes) {
                results.add(f.get());
            }
            assertEquals(
                    1, results.stream().filter(r -> r instanceof TenantRecord).count(), results.toString());
            AppException loser = (AppException) results.stream()
                    .filter(r -> r instanceof AppException)
                    .findFirst()
                    .orElseThrow();
            assertEquals(ErrorCode.CONFLICT, loser.code(), loser.getMessage());

            // The winner's tables survived the loser's clean-up: the tenant installs and signs in.
            TenantPlacement placement = app.registry().get(id).placement();
            Set<String> expected = tenantTables(placement.tablePrefix());
            Set<String> present = placement.ownDatabase()
                    ? tablesIn(db, placement.database())
                    : withPrefix(tablesIn(db, sharedSchema(db)), placement.tablePrefix());
            assertEquals(expected, present);
            TenantContext tenant = app.tenants().byId(id).orElseThrow();
            app.installs()
                    .install(
                            app.systemContext(tenant),
                            new InstallCommand("winner", "w@example.com", "winner password"));
            assertTrue(signsIn(app, tenant, "winner", "winner password"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Kind.class, names = "H2")
    void aTenantsOwnEncryptionKeyIsTheRootOfItsKeys(Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(db, providerEnv("table"))) {
            String id = "k" + suffix();
            byte[] own = Crypto.randomBytes(32);
            app.registry()
                    .create(new CreateTenant(
                            id,
                            id + ".test",
                            true,
                            null,
                            null,
                            Map.of("TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(own))));
            String plain = "p" + suffix();
            app.registry().create(new CreateTenant(plain, plain + ".test", true, null, null, Map.of()));

            TenantContext withKey = app.tenants().byId(id).orElseThrow();
            assertArrayEquals(
                    TenantDirectory.keysFor(id, own).csrf(),
                    withKey.keys().csrf(),
                    "derived from the tenant's own key");
            assertArrayEquals(
                    TenantDirectory.keysFor(id, own).tokens(), withKey.keys().tokens());
            TenantContext derived = app.tenants().byId(plain).orElseThrow();
            assertFalse(java.util.Arrays.equals(
                    derived.keys().csrf(), TenantDirectory.keysFor(plain, own).csrf()));

            // Rotating the key (an edit) changes every key of that tenant: its sessions end.
            app.installs()
                    .install(app.systemContext(withKey), new InstallCommand("kim", "kim@example.com", "kim password"));
            String session = app.accounts()
                    .signIn(
                            app.systemContext(withKey),
                            new dev.tesela.account.AccountCommands.SignIn("kim", "kim password", false, "test"))
                    .sessionToken();
            assertTrue(app.accounts()
                    .authenticateSession(withKey, session, "127.0.0.1", "test")
                    .isPresent());
            byte[] rotated = Crypto.randomBytes(32);
            app.registry()
                    .edit(new EditTenant(
                            id,
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.of(Map.of(
                                    "TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(rotated)))));
            TenantContext afterRotation = app.tenants().byId(id).orElseThrow();
            assertNotEquals(
                    java.util.HexFormat.of().formatHex(withKey.keys().sessions()),
                    java.util.HexFormat.of().formatHex(afterRotation.keys().sessions()));
            assertTrue(
                    app.accounts()
                            .authenticateSession(afterRotation, session, "127.0.0.1", "test")
                            .isEmpty(),
                    "a session of the old key is not valid");

            AppException bad = assertThrows(
                    AppException.class,
                    () -> app.registry()
                            .edit(new EditTenant(
                                    id,
                                    Optional.empty(),
                                    Optional.empty(),
                                    Optional.empty(),
                                    Optional.empty(),
                                    Optional.of(Map.of("TESELA_ENCRYPTION_KEY", "not base64!")))));
            assertEquals(ErrorCode.INVALID_INPUT, bad.code());
            assertArrayEquals(
                    afterRotation.keys().sessions(),
                    app.tenants().byId(id).orElseThrow().keys().sessions(),
                    "a refused edit changes nothing");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static boolean signsIn(App app, TenantContext tenant, String login, String password) {
        try {
            app.accounts()
                    .signIn(
                            app.systemContext(tenant),
                            new dev.tesela.account.AccountCommands.SignIn(login, password, false, "test"));
            return true;
        } catch (AppException e) {
            assertEquals(ErrorCode.UNAUTHORIZED, e.code(), e.getMessage());
            return false;
        }
    }

    private static Map<String, String> cliEnv(TestDatabase db, App app) {
        Map<String, String> env = new HashMap<>(db.env());
        env.put("TESELA_DATA_DIR", app.config().dataDir().toString());
        env.put("TESELA_TENANTS_ENABLED", "1");
        env.put("TESELA_REDIS_URL", "redis://127.0.0.1:6379");
        env.put(
                "TESELA_ENCRYPTION_KEY",
                Base64.getEncoder().encodeToString(app.config().encryptionKey().orElseThrow()));
        env.put("TESELA_PROVIDER_NAME", "Test provider");
        env.put("TESELA_PROVIDER_URL", "https://provider.example");
        return env;
    }

    private static Set<String> ids(App app) {
        Set<String> ids = new TreeSet<>();
        app.registry().list().forEach(t -> ids.add(t.id()));
        return ids;
    }

    /** The tables of the tenant schema under {@code prefix}, with its migration history. */
    private static Set<String> tenantTables(String prefix) {
        Set<String> names = new TreeSet<>();
        SchemaTables.TENANT.forEach(t -> names.add(prefix + t));
        names.add(prefix + "schema_history");
        return names;
    }

    private static Set<String> withPrefix(Set<String> tables, String prefix) {
        Set<String> out = new TreeSet<>();
        tables.stream().filter(t -> t.startsWith(prefix)).forEach(out::add);
        return out;
    }

    /** The schema (MariaDB: database) the test database's connections use by default. */
    private static String sharedSchema(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            return db.kind() == Kind.MARIADB ? c.getCatalog() : c.getSchema().toLowerCase(Locale.ROOT);
        }
    }

    /** Lower-cased names of the base tables in {@code schema}, as seen from {@code db}'s server. */
    private static Set<String> tablesIn(TestDatabase db, String schema) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type IN ('BASE TABLE', 'TABLE')")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    private static List<String> usernames(TestDatabase db, String table) throws SQLException {
        List<String> names = new java.util.ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT username FROM " + table + " ORDER BY username")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
