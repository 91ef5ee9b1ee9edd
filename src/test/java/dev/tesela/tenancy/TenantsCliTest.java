package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.cli.TeselaCli;
import dev.tesela.platform.context.TenantResolver;
import dev.tesela.platform.db.SchemaTables;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.CliSession;
import dev.tesela.testing.ConnectionProbe;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestDatabase.Kind;
import dev.tesela.testing.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code tesela tenants} commands and tenant selection of the application commands in provider mode, run
 * in-process through {@link TeselaCli#run} against a real database (H2, MariaDB, PostgreSQL) and the local Redis:
 * exit codes, JSON output, and what really ends up in the database (tables per tenant prefix, sealed env, nothing
 * left behind by a refused create). A test's commands share one wiring ({@link CliSession}); the commands that need
 * their own configuration, and {@link #readingCommandsNeedNoRedisAndChangesReachListeningInstances}, wire each run as
 * a {@code tesela} process does.
 *
 * <p>Tests whose subject is DDL (provisioning, refused and failed creates, table names, migrate, delete) run on all
 * three databases. Tests of the commands' own behaviour over the registry (get/list/edit, plan edits, installs) run
 * on H2 and PostgreSQL only: on MariaDB each costs ~10 s of DDL for tenants that are mere fixtures (the suite has a
 * 6-minute budget), and the same registry edits and installs run on MariaDB in TwoInstancesTest (create, rename,
 * disable) and DatabaseIsolationTest (install, sign-in, API keys).
 */
@Execution(ExecutionMode.CONCURRENT) // every test has its own database, data dir and wiring; most of the time is DDL
class TenantsCliTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String CONTROL_TENANTS = "tsl__tenants";

    private TestDatabase db;
    private Map<String, String> env;
    /** The test's commands, on one wiring of {@link #env} (see {@link CliSession}). */
    private CliSession cli;
    /** The test's own connection to {@link #db}, for looking at what the commands stored (see {@link #sql()}). */
    private Connection sql;

    @BeforeAll
    static void redisIsReachable() {
        Services.requireRedis();
    }

    @AfterEach
    void tearDown() throws IOException, SQLException {
        if (sql != null) {
            sql.close();
        }
        if (cli != null) {
            cli.close();
        }
        if (db != null) {
            db.close();
        }
        if (env != null) {
            TestFiles.deleteTree(TestApps.dataDir(env));
        }
    }

    /** A new database of {@code kind} and a provider-mode environment on it. */
    private void provider(Kind kind) {
        db = TestDatabase.create(kind);
        env = providerEnv(db);
        cli = new CliSession(env);
    }

    private static Map<String, String> providerEnv(TestDatabase database) {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return TestApps.env(
                database,
                Map.of(
                        "TESELA_TENANTS_ENABLED", "1",
                        "TESELA_REDIS_URL", "redis://127.0.0.1:6379",
                        "TESELA_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key),
                        "TESELA_PROVIDER_NAME", "Test",
                        "TESELA_PROVIDER_URL", "https://provider.example"));
    }

    @org.junit.jupiter.api.Test
    void statsRefreshAndOneWorkerPass() {
        provider(Kind.H2);
        assertEquals(0, cli.run("tenants", "init").exitCode());
        assertEquals(
                0,
                cli.run("tenants", "create", "--id", "acme", "--hostname", "acme.example.com", "--is_enabled", "1")
                        .exitCode());
        assertEquals(
                0,
                cli.run("tenants", "create", "--id", "beta", "--hostname", "beta.example.com", "--is_enabled", "1")
                        .exitCode());
        Map<String, String> acme = new java.util.HashMap<>(env);
        acme.put("TESELA_TENANT", "acme");
        CliRun install =
                cli.run(acme, "install", "-u", "admin", "-e", "admin@example.com", "-x", "correct horse battery");
        assertEquals(0, install.exitCode(), install::toString);

        CliRun stats = cli.run("tenants", "stats:refresh");
        assertEquals(0, stats.exitCode(), stats::toString);
        assertEquals(1, stats.json().get("acme").get("users").asInt(), stats.out());
        assertEquals(1, stats.json().get("acme").get("admins").asInt());
        assertTrue(stats.json().get("beta").isNull(), "beta is not installed: " + stats.out());

        CliRun pass = cli.run("tenants", "jobs:worker", "--once");
        assertEquals(0, pass.exitCode(), pass::toString);
        assertTrue(pass.out().contains("acme: ran") && pass.out().contains("beta: not installed"), pass.toString());
        CliRun again = cli.run("tenants", "jobs:worker", "--once", "--id", "acme");
        assertEquals("acme: not due", again.out().strip());

        CliRun created = cli.run("tenants", "api:key:create", "--name", "ops", "--expires", "2999-01-01 00:00:00");
        assertEquals(0, created.exitCode(), created::toString);
        String key = created.outLines().getLast();
        assertTrue(key.matches("tsl_\\d+_[0-9A-Za-z]{64}_[0-9a-f]{64}"), key);
        CliRun verified = cli.run("tenants", "api:key:verify", "--key", key);
        assertEquals(0, verified.exitCode(), verified::toString);
        assertEquals("ops", verified.json().get("name").asString());
        assertEquals(
                1,
                cli.run("tenants", "api:key:create", "--expires", "2000-01-01 00:00:00")
                        .exitCode(),
                "past expiry refused");
        assertEquals(0, cli.run("tenants", "api:key:delete", "--name", "ops").exitCode());
        assertEquals(1, cli.run("tenants", "api:key:verify", "--key", key).exitCode(), "a deleted key is invalid");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // init and create

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void createProvisionsTheTenantTablesAndSealsItsEnv(Kind kind) throws SQLException {
        provider(kind);
        assertFalse(tables().contains(CONTROL_TENANTS), "no registry before init");

        CliRun init = cli.run("tenants", "init");
        assertEquals(0, init.exitCode(), init::toString);
        assertTrue(
                init.out().strip().matches("Tenant registry initialised \\([1-9]\\d* migration\\(s\\)\\)\\."),
                init.out());
        assertTrue(tables().contains(CONTROL_TENANTS), tables().toString());
        assertEquals(
                Set.of(),
                tables().stream().filter(t -> !t.startsWith("tsl__")).collect(Collectors.toSet()),
                "provider mode creates no single-site tables");
        CliRun again = cli.run("tenants", "init");
        assertEquals(0, again.exitCode(), again::toString);
        assertEquals("The tenant registry is up to date.", again.out().strip());

        CliRun create = cli.run(
                "tenants",
                "create",
                "--id",
                "acme",
                "--hostname",
                "Acme.Example.COM",
                "--is_enabled",
                "1",
                "--limits",
                "{\"TESELA_MAX_USERS\":5}",
                "--env",
                "{\"TESELA_DB_NAME\":\"secret_value\"}");

        assertEquals(0, create.exitCode(), create::toString);
        JsonNode t = create.json();
        assertEquals("acme", t.get("id").asString());
        assertEquals("acme.example.com", t.get("hostname").asString());
        assertTrue(t.get("is_enabled").isBoolean() && t.get("is_enabled").booleanValue(), t.toString());
        assertTrue(t.get("plan_id").isNull(), t.toString());
        assertEquals(JSON.readTree("{\"TESELA_MAX_USERS\":5}"), t.get("limits"));
        assertEquals(JSON.readTree("{\"TESELA_DB_NAME\":\"secret_value\"}"), t.get("env"), "env is shown decrypted");
        assertFalse(t.get("created_at").isNull(), t.toString());

        Set<String> expected = tenantTableNames("tsl_acme_");
        assertEquals(expected, tablesStartingWith("tsl_acme_"), "every tenant table and its history, under tsl_acme_");
        assertEquals(0, count("tsl_acme_users"));
        assertEquals(List.of("acme"), registryIds());

        byte[] sealed = envEnc("acme");
        assertNotNull(sealed, "the env is stored");
        assertTrue(sealed.length > "secret_value".length(), "sealed value carries IV and tag: " + sealed.length);
        for (String plain : List.of("secret_value", "TESELA_DB_NAME")) {
            assertFalse(
                    containsBytes(sealed, plain.getBytes(StandardCharsets.UTF_8)),
                    "'" + plain + "' is not stored in plain text");
        }
        assertEquals("{\"TESELA_MAX_USERS\":5}", column("limits_json", "acme").replace(" ", ""));
        assertEquals("acme.example.com", column("hostname", "acme"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Kind.class,
            names = {"H2", "POSTGRES"}) // CLI behaviour; MariaDB: see the class comment
    void getListAndEdit(Kind kind) throws SQLException {
        provider(kind);
        initAndCreate(
                "acme",
                "acme.example.com",
                "--is_enabled",
                "1",
                "--limits",
                "{\"TESELA_MAX_USERS\":5}",
                "--env",
                "{\"TESELA_DB_NAME\":\"secret_value\"}");
        initAndCreate("beta", "beta.example.com");

        CliRun get = cli.run("tenants", "get", "--id", "acme");
        assertEquals(0, get.exitCode(), get::toString);
        JsonNode acme = get.json();
        assertEquals("acme.example.com", acme.get("hostname").asString());
        assertTrue(acme.get("is_enabled").booleanValue());
        assertEquals(JSON.readTree("{\"TESELA_MAX_USERS\":5}"), acme.get("limits"));
        assertEquals(JSON.readTree("{\"TESELA_DB_NAME\":\"secret_value\"}"), acme.get("env"));

        CliRun beta = cli.run("tenants", "get", "--id", "beta");
        assertEquals(0, beta.exitCode(), beta::toString);
        assertFalse(beta.json().get("is_enabled").booleanValue(), "--is_enabled defaults to 0");
        assertTrue(beta.json().get("limits").isNull() && beta.json().get("env").isNull(), beta.out());

        CliRun list = cli.run("tenants", "list");
        assertEquals(0, list.exitCode(), list::toString);
        JsonNode array = list.json();
        assertTrue(array.isArray(), list.out());
        assertEquals(List.of("acme", "beta"), ids(array), "every tenant, by id");
        assertEquals(acme, array.get(0), "list shows the same tenant as get");

        CliRun edit = cli.run(
                "tenants",
                "edit",
                "--id",
                "acme",
                "--is_enabled",
                "0",
                "--hostname",
                "new.example.com",
                "--env",
                "null");
        assertEquals(0, edit.exitCode(), edit::toString);
        JsonNode edited = edit.json();
        assertEquals("new.example.com", edited.get("hostname").asString());
        assertFalse(edited.get("is_enabled").booleanValue());
        assertTrue(edited.get("env").isNull(), "env cleared: " + edited);
        assertEquals(JSON.readTree("{\"TESELA_MAX_USERS\":5}"), edited.get("limits"), "limits left as they were");
        assertEquals(acme.get("plan_id"), edited.get("plan_id"));
        assertEquals(acme.get("created_at"), edited.get("created_at"));
        assertNull(envEnc("acme"), "the sealed env is removed from the row");
        assertEquals(cli.run("tenants", "get", "--id", "acme").json(), edited, "the change is stored");
        assertEquals(beta.json(), cli.run("tenants", "get", "--id", "beta").json(), "the other tenant is untouched");

        CliRun reuse = cli.run("tenants", "create", "--id", "gamma", "--hostname", "acme.example.com");
        assertEquals(0, reuse.exitCode(), "the old host name is free again: " + reuse);

        CliRun unknown = cli.run("tenants", "edit", "--id", "nosuch", "--is_enabled", "1");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("nosuch"), unknown.err());
        assertEquals("", unknown.out());
        assertEquals(List.of("acme", "beta", "gamma"), registryIds(), "edit of an unknown id creates nothing");

        CliRun taken = cli.run("tenants", "edit", "--id", "beta", "--hostname", "NEW.example.com");
        assertEquals(1, taken.exitCode(), taken::toString);
        assertTrue(taken.err().contains("already belongs to another tenant"), taken.err());
        assertEquals("beta.example.com", column("hostname", "beta"));

        CliRun badFlag = cli.run("tenants", "edit", "--id", "beta", "--is_enabled", "yes");
        assertEquals(1, badFlag.exitCode(), badFlag::toString);
        assertTrue(badFlag.err().contains("--is_enabled must be 1 or 0"), badFlag.err());

        CliRun getUnknown = cli.run("tenants", "get", "--id", "nosuch");
        assertEquals(1, getUnknown.exitCode(), getUnknown::toString);
        assertTrue(getUnknown.err().contains("No tenant with id 'nosuch'"), getUnknown.err());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Kind.class,
            names = {"H2", "POSTGRES"}) // CLI behaviour; MariaDB: see the class comment
    void editSetsAndClearsPlanLimitsAndEnv(Kind kind) throws SQLException {
        provider(kind);
        initAndCreate(
                "acme",
                "acme.example.com",
                "--is_enabled",
                "1",
                "--limits",
                "{\"TESELA_MAX_USERS\":5}",
                "--env",
                "{\"TESELA_DB_NAME\":\"secret_value\"}");
        insertPlan("pro");

        JsonNode withPlan = editOk("--plan_id", "pro");
        assertEquals("pro", withPlan.get("plan_id").asString());
        assertEquals(JSON.readTree("{\"TESELA_MAX_USERS\":5}"), withPlan.get("limits"));
        assertEquals(JSON.readTree("{\"TESELA_DB_NAME\":\"secret_value\"}"), withPlan.get("env"));

        JsonNode noLimits = editOk("--limits", "null");
        assertTrue(noLimits.get("limits").isNull(), "--limits null clears them: " + noLimits);
        assertNull(column("limits_json", "acme"));
        assertEquals("pro", noLimits.get("plan_id").asString(), "the plan is left as it was");
        assertEquals(JSON.readTree("{\"TESELA_DB_NAME\":\"secret_value\"}"), noLimits.get("env"));

        JsonNode noPlan = editOk("--plan_id", "");
        assertTrue(noPlan.get("plan_id").isNull(), "--plan_id '' removes the plan: " + noPlan);
        assertNull(column("plan_id", "acme"));

        JsonNode newEnv = editOk("--env", "{\"TESELA_SCHEDULER_INTERVAL\":7}", "--limits", "{\"TESELA_MAX_ALBUMS\":2}");
        assertEquals(
                JSON.readTree("{\"TESELA_SCHEDULER_INTERVAL\":\"7\"}"),
                newEnv.get("env"),
                "env replaced, values as strings");
        assertEquals(JSON.readTree("{\"TESELA_MAX_ALBUMS\":2}"), newEnv.get("limits"));
        assertFalse(containsBytes(envEnc("acme"), "TESELA_SCHEDULER_INTERVAL".getBytes(StandardCharsets.UTF_8)));

        JsonNode emptyEnv = editOk("--env", "{}");
        assertTrue(emptyEnv.get("env").isNull(), "--env '{}' clears it: " + emptyEnv);
        assertNull(envEnc("acme"));
        assertTrue(emptyEnv.get("is_enabled").booleanValue(), "never touched");
        assertEquals("acme.example.com", emptyEnv.get("hostname").asString(), "never touched");

        List<String> rowsBefore = registryRows();
        CliRun noSuchPlan = cli.run("tenants", "edit", "--id", "acme", "--plan_id", "nosuch");
        assertEquals(1, noSuchPlan.exitCode(), noSuchPlan::toString);
        assertTrue(noSuchPlan.err().contains("No plan 'nosuch'"), noSuchPlan.err());
        CliRun badLimits = cli.run("tenants", "edit", "--id", "acme", "--limits", "[1]", "--is_enabled", "0");
        assertEquals(1, badLimits.exitCode(), badLimits::toString);
        assertTrue(badLimits.err().contains("The limits must be a JSON object"), badLimits.err());
        CliRun badHost = cli.run("tenants", "edit", "--id", "acme", "--hostname", "not a host");
        assertEquals(1, badHost.exitCode(), badHost::toString);
        assertTrue(badHost.err().contains("is not valid"), badHost.err());
        assertEquals(rowsBefore, registryRows(), "a refused edit changes nothing");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void provisioningThatFailsAfterTheTablesWereCreatedDropsThem(Kind kind) throws SQLException {
        provider(kind);
        cli.run("tenants", "init");
        insertPlan("pro");
        Set<String> tablesBefore = tables();

        // Passes validation, so the tables are migrated; then the registry insert fails on the plan's foreign key.
        CliRun r =
                cli.run("tenants", "create", "--id", "ghost", "--hostname", "ghost.example.com", "--plan_id", "nosuch");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("its plan does not exist"), r.err());
        assertEquals("", r.out());
        assertEquals(List.of(), registryIds());
        assertEquals(tablesBefore, tables(), "the tenant's tables were dropped again");
        assertEquals(Set.of(), tablesStartingWith("tsl_ghost_"));

        CliRun retry =
                cli.run("tenants", "create", "--id", "ghost", "--hostname", "ghost.example.com", "--plan_id", "pro");
        assertEquals(0, retry.exitCode(), "nothing left behind blocks a correct create: " + retry);
        assertEquals("pro", retry.json().get("plan_id").asString());
        assertEquals(tenantTableNames("tsl_ghost_"), tablesStartingWith("tsl_ghost_"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // validation

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void refusedCreatesNameTheProblemAndLeaveNothingBehind(Kind kind) throws SQLException {
        provider(kind);
        initAndCreate("acme", "acme.example.com");
        String label63 = "a".repeat(63);
        String host255 = String.join(".", label63, label63, label63, label63);
        String host256 = String.join(".", label63, label63, label63, "a".repeat(62)) + ".b";
        assertEquals(255, host255.length());
        assertEquals(256, host256.length());

        record Case(String id, String hostname, String limits, String message) {}
        List<Case> cases = List.of(
                new Case("Bad!", "bad.example.com", null, "Tenant id must be 1 to 16 characters"),
                new Case("abcdefghijklmnopq", "long.example.com", null, "Tenant id must be 1 to 16 characters"),
                new Case("default", "default.example.com", null, "Tenant id 'default' is reserved"),
                // image_tags and image_variants both start with "image_"; the first by name is reported
                new Case("image", "image.example.com", null, "clashes with the table image_tags"),
                new Case("nohost", "not a host", null, "Host name 'not a host' is not valid"),
                new Case("nohost", host256, null, "is not valid"),
                new Case("nohost", "localhost", null, "the provider's internal host name"),
                new Case(
                        "other",
                        "ACME.example.com",
                        null,
                        "The host name 'acme.example.com' already belongs to another tenant"),
                new Case("acme", "acme2.example.com", null, "A tenant with id 'acme' already exists"),
                new Case("lim", "lim.example.com", "[1,2]", "The limits must be a JSON object"),
                new Case("lim", "lim.example.com", "nope", "The limits are not valid JSON"));

        for (Case c : cases) {
            Set<String> tablesBefore = tables();
            List<String> rowsBefore = registryRows();
            List<String> args =
                    new ArrayList<>(List.of("tenants", "create", "--id", c.id(), "--hostname", c.hostname()));
            if (c.limits() != null) {
                args.addAll(List.of("--limits", c.limits()));
            }

            CliRun r = cli.run(args.toArray(String[]::new));

            String what = c + ": " + r;
            assertEquals(1, r.exitCode(), what);
            assertTrue(r.err().startsWith("Error: "), what);
            assertTrue(r.err().contains(c.message()), what);
            assertEquals("", r.out(), what);
            assertEquals(rowsBefore, registryRows(), "no registry row added or changed: " + what);
            assertEquals(tablesBefore, tables(), "no table created or dropped: " + what);
            String safe = c.id().toLowerCase(Locale.ROOT).replace('-', '_');
            if (!safe.equals("acme")) {
                assertFalse(registryIds().contains(c.id()), what);
                assertEquals(Set.of(), tablesStartingWith("tsl_" + safe + "_"), what);
            }
        }
        assertEquals(
                tenantTableNames("tsl_acme_"), tablesStartingWith("tsl_acme_"), "the existing tenant keeps its tables");
        assertEquals("acme.example.com", column("hostname", "acme"), "the existing tenant keeps its host name");

        CliRun badEnv = cli.run("tenants", "create", "--id", "envy", "--hostname", "envy.example.com", "--env", "[1]");
        assertEquals(1, badEnv.exitCode(), badEnv::toString);
        assertTrue(badEnv.err().contains("The env must be a JSON object"), badEnv.err());
        assertEquals(Set.of(), tablesStartingWith("tsl_envy_"));

        CliRun badFlag =
                cli.run("tenants", "create", "--id", "flag", "--hostname", "flag.example.com", "--is_enabled", "2");
        assertEquals(1, badFlag.exitCode(), badFlag::toString);
        assertTrue(badFlag.err().contains("--is_enabled must be 1 or 0"), badFlag.err());
        assertEquals(Set.of(), tablesStartingWith("tsl_flag_"));

        CliRun missing = cli.run("tenants", "create", "--id", "nohost");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("--hostname"), missing.err());

        assertEquals(List.of("acme"), registryIds(), "only the tenant created on purpose");

        // The limits of what is accepted: a 16-character id (the longest prefix, which PostgreSQL must not
        // truncate in index names) and a 255-character host name (the column width).
        CliRun longest = cli.run("tenants", "create", "--id", "abcdefghijklmnop", "--hostname", host255);
        assertEquals(0, longest.exitCode(), longest::toString);
        assertEquals(host255, longest.json().get("hostname").asString());
        assertEquals(tenantTableNames("tsl_abcdefghijklmnop_"), tablesStartingWith("tsl_abcdefghijklmnop_"));
    }

    @Test
    void limitsAndEnvAreCheckedByTheCommandsThatSetThemNamingEveryBadKey() throws SQLException {
        provider(Kind.H2);
        initAndCreate("acme", "acme.example.com", "--is_enabled", "1", "--limits", "{\"TESELA_MAX_FILES\":5}");
        List<String> rowsBefore = registryRows();
        Set<String> tablesBefore = tables();

        CliRun create = cli.run(
                "tenants",
                "create",
                "--id",
                "lim",
                "--hostname",
                "lim.example.com",
                "--limits",
                "{\"TESELA_MAX_FILES\":-5,\"lots\":1,\"TESELA_MAX_USERS\":99999999999999999999}",
                "--env",
                "{\"TESELA_NOPE\":\"1\"}");
        assertEquals(1, create.exitCode(), create::toString);
        for (String named : List.of(
                "TESELA_MAX_FILES must be a whole number",
                "'lots' is not a limit",
                "TESELA_MAX_USERS must be",
                "'TESELA_NOPE' is not an env key")) {
            assertTrue(create.err().contains(named), "every problem at once, " + named + ": " + create.err());
        }
        assertEquals(rowsBefore, registryRows(), "no registry row");
        assertEquals(tablesBefore, tables(), "no tables");

        CliRun edit = cli.run("tenants", "edit", "--id", "acme", "--limits", "{\"TESELA_MAX_UPLOAD_SIZE\":\"lots\"}");
        assertEquals(1, edit.exitCode(), edit::toString);
        assertTrue(edit.err().contains("TESELA_MAX_UPLOAD_SIZE must be a size"), edit.err());
        assertEquals("{\"TESELA_MAX_FILES\":5}", column("limits_json", "acme").replace(" ", ""), "unchanged");

        CliRun badPlan =
                cli.run("tenants", "plan:create", "--id", "pro", "--limits", "{\"TESELA_MAX_USERS\":\"lots\"}");
        assertEquals(1, badPlan.exitCode(), badPlan::toString);
        assertTrue(badPlan.err().contains("TESELA_MAX_USERS must be a whole number"), badPlan.err());
        assertEquals("[ ]", cli.run("tenants", "plan:list").out().strip(), "no plan");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void hyphenInAnIdBecomesAnUnderscoreInTableNames(Kind kind) throws SQLException {
        provider(kind);
        cli.run("tenants", "init");

        CliRun create = cli.run("tenants", "create", "--id", "my-site", "--hostname", "my-site.example.com");

        assertEquals(0, create.exitCode(), create::toString);
        assertEquals("my-site", create.json().get("id").asString());
        assertEquals(tenantTableNames("tsl_my_site_"), tablesStartingWith("tsl_my_site_"));
        assertEquals(List.of("my-site"), registryIds());

        Set<String> tablesBefore = tables();
        CliRun clash = cli.run("tenants", "create", "--id", "my_site", "--hostname", "my-site2.example.com");
        assertEquals(1, clash.exitCode(), clash::toString);
        assertTrue(clash.err().contains("Tenant id 'my_site' would share tables with an existing tenant"), clash.err());
        assertEquals(List.of("my-site"), registryIds());
        assertEquals(tablesBefore, tables(), "the shared tables are neither dropped nor touched");

        CliRun install =
                cli.run("install", "--tenant", "my-site", "-u", "alice", "-e", "alice@example.com", "-x", "secret123");
        assertEquals(0, install.exitCode(), install::toString);
        assertEquals(1, count("tsl_my_site_users"));

        CliRun drop = cli.run("tenants", "delete", "--id", "my-site", "--drop-tables");
        assertEquals(0, drop.exitCode(), drop::toString);
        assertEquals(Set.of(), tablesStartingWith("tsl_my_site_"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // application commands on tenants

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Kind.class,
            names = {"H2", "POSTGRES"}) // CLI behaviour; MariaDB: see the class comment
    void tenantsAreInstalledAndKeptApart(Kind kind) throws SQLException {
        provider(kind);
        initAndCreate("acme", "acme.example.com", "--is_enabled", "1");
        initAndCreate("beta", "beta.example.com", "--is_enabled", "1");

        CliRun before = cli.run("version-installed", "--tenant", "acme");
        assertEquals(3, before.exitCode(), before::toString);

        CliRun acme = cli.run(
                TestApps.with(env, "TESELA_TENANT", "acme"),
                "install",
                "-u",
                "alice",
                "-e",
                "alice@example.com",
                "-x",
                "secret123");
        assertEquals(0, acme.exitCode(), acme::toString);
        assertTrue(acme.out().contains("'alice'"), acme.out());

        CliRun acmeVersion = cli.run("version-installed", "--tenant", "acme");
        assertEquals(0, acmeVersion.exitCode(), acmeVersion::toString);
        assertEquals(App.VERSION, acmeVersion.out().strip());
        CliRun betaBefore = cli.run("version-installed", "--tenant", "beta");
        assertEquals(3, betaBefore.exitCode(), "installing acme does not install beta: " + betaBefore);

        CliRun beta = cli.run(
                TestApps.with(env, "TESELA_TENANT", "beta"),
                "install",
                "-u",
                "bob",
                "-e",
                "bob@example.com",
                "-x",
                "secret123");
        assertEquals(0, beta.exitCode(), beta::toString);
        CliRun betaVersion = cli.run("version-installed", "--tenant", "beta");
        assertEquals(0, betaVersion.exitCode(), betaVersion::toString);
        assertEquals(App.VERSION, betaVersion.out().strip());

        CliRun again =
                cli.run("install", "--tenant", "acme", "-u", "carol", "-e", "carol@example.com", "-x", "secret123");
        assertEquals(5, again.exitCode(), again::toString);

        assertEquals(List.of("alice"), usernames("tsl_acme_users"));
        assertEquals(List.of("bob"), usernames("tsl_beta_users"));

        CliRun update = cli.run("setting-update", "--tenant", "acme", "-k", "website_name", "-v", "Acme");
        assertEquals(0, update.exitCode(), update::toString);
        assertEquals("Acme", update.out().strip());
        assertEquals(
                "Acme",
                cli.run("setting-get", "--tenant", "acme", "-k", "website_name")
                        .out()
                        .strip());
        CliRun betaName = cli.run(TestApps.with(env, "TESELA_TENANT", "beta"), "setting-get", "-k", "website_name");
        assertEquals(0, betaName.exitCode(), betaName::toString);
        assertEquals("Tesela", betaName.out().strip(), "beta's settings are its own");

        CliRun option = cli.run(
                TestApps.with(env, "TESELA_TENANT", "beta"), "setting-get", "--tenant", "acme", "-k", "website_name");
        assertEquals("Acme", option.out().strip(), "--tenant wins over TESELA_TENANT: " + option);

        CliRun unknown = cli.run("version-installed", "--tenant", "nosuch");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("nosuch"), unknown.err());

        CliRun defaultSite = cli.run("version-installed", "--tenant", "default");
        assertEquals(1, defaultSite.exitCode(), "no single site in provider mode: " + defaultSite);

        assertFalse(tables().contains("tsl_users"), "no single-site tables in provider mode: " + tables());
    }

    @Test
    void userPasswordResetSetsOrMakesUpThePasswordOfOneTenantsUser() {
        provider(Kind.H2);
        initAndCreate("acme", "acme.example.com", "--is_enabled", "1");
        initAndCreate("beta", "beta.example.com", "--is_enabled", "1");
        initAndCreate("gamma", "gamma.example.com", "--is_enabled", "1");
        assertEquals(
                0,
                cli.run("install", "--tenant", "acme", "-u", "alice", "-e", "alice@example.com", "-x", "secret123")
                        .exitCode());
        assertEquals(
                0,
                cli.run("install", "--tenant", "beta", "-u", "alice", "-e", "alice@example.com", "-x", "secret123")
                        .exitCode());

        assertEquals(
                0, cli.run("api-key-create", "--tenant", "acme", "-u", "alice").exitCode());
        CliRun chosen = cli.run(
                "tenants",
                "user:password-reset",
                "--id",
                "acme",
                "--username",
                "alice",
                "--password",
                "chosen secret",
                "--revoke-api-keys");
        assertEquals(0, chosen.exitCode(), chosen::toString);
        assertEquals(List.of("chosen secret"), chosen.outLines(), "only the password");
        assertTrue(
                chosen.err().contains("Revoked 1 API key(s) of 'alice'"),
                "--revoke-api-keys deleted alice's key: " + chosen.err());
        CliRun generated = cli.run("tenants", "user:password-reset", "--id", "acme", "--username", "alice");
        assertEquals(0, generated.exitCode(), generated::toString);
        assertEquals(1, generated.outLines().size(), generated::toString);
        String password = generated.lastLine().strip();
        assertTrue(password.matches("[A-Za-z0-9]{16}"), password);

        assertEquals("", generated.err(), "nothing said about API keys when they are kept");

        CliRun tooShort =
                cli.run("tenants", "user:password-reset", "--id", "acme", "--username", "alice", "--password", "short");
        assertEquals(1, tooShort.exitCode(), tooShort::toString);
        assertTrue(tooShort.err().contains("8 to 128"), tooShort.err());
        CliRun nobody = cli.run("tenants", "user:password-reset", "--id", "acme", "--username", "bob");
        assertEquals(1, nobody.exitCode(), nobody::toString);
        assertTrue(nobody.err().contains("bob"), nobody.err());
        CliRun noTenant = cli.run("tenants", "user:password-reset", "--id", "nosuch", "--username", "alice");
        assertEquals(1, noTenant.exitCode(), noTenant::toString);
        assertTrue(noTenant.err().contains("nosuch"), noTenant.err());
        CliRun notInstalled = cli.run("tenants", "user:password-reset", "--id", "gamma", "--username", "alice");
        assertEquals(1, notInstalled.exitCode(), notInstalled::toString);
        assertTrue(notInstalled.err().contains("not installed"), notInstalled.err());

        App app = cli.app();
        var acme = app.systemContext(app.tenants().byId("acme").orElseThrow());
        var beta = app.systemContext(app.tenants().byId("beta").orElseThrow());
        assertEquals(
                "alice",
                app.accounts()
                        .signIn(acme, new dev.tesela.account.AccountCommands.SignIn("alice", password, false, null))
                        .user()
                        .username(),
                "the last (made-up) password works on acme");
        assertThrows(
                dev.tesela.platform.error.AppException.class,
                () -> app.accounts()
                        .signIn(
                                acme,
                                new dev.tesela.account.AccountCommands.SignIn("alice", "chosen secret", false, null)));
        assertThrows(
                dev.tesela.platform.error.AppException.class,
                () -> app.accounts()
                        .signIn(
                                acme,
                                new dev.tesela.account.AccountCommands.SignIn("alice", "secret123", false, null)));
        assertEquals(
                "alice",
                app.accounts()
                        .signIn(beta, new dev.tesela.account.AccountCommands.SignIn("alice", "secret123", false, null))
                        .user()
                        .username(),
                "beta's alice is untouched");
    }

    /**
     * Commands that only read need no Redis: with TESELA_REDIS_URL pointing at a port that counts connections, the
     * registry, a tenant's install state and its settings are read without one. A change is announced: the command
     * that makes it talks to Redis, and an instance listening on the real Redis drops what it cached about the tenant
     * at once (without the announcement it would keep its cached answer for a minute).
     */
    @Test
    void readingCommandsNeedNoRedisAndChangesReachListeningInstances() throws InterruptedException {
        provider(Kind.H2);
        initAndCreate("acme", "acme.example.com", "--is_enabled", "1");
        CliRun install =
                cli.run("install", "--tenant", "acme", "-u", "alice", "-e", "alice@example.com", "-x", "secret123");
        assertEquals(0, install.exitCode(), install::toString);

        try (ConnectionProbe redis = new ConnectionProbe()) {
            Map<String, String> probed = TestApps.with(env, "TESELA_REDIS_URL", "redis://127.0.0.1:" + redis.port());
            for (List<String> command : List.of(
                    List.of("tenants", "list"),
                    List.of("tenants", "get", "--id", "acme"),
                    List.of("tenants", "plan:list"),
                    List.of("version-installed", "--tenant", "acme"),
                    List.of("setting-get", "--tenant", "acme", "-k", "website_name"))) {
                CliRun r = CliRun.run(probed, command.toArray(String[]::new));
                assertEquals(0, r.exitCode(), command + ": " + r);
            }
            assertEquals(0, redis.connections(), "reading commands open no Redis connection");

            CliRun edit = CliRun.run(probed, "tenants", "edit", "--id", "acme", "--hostname", "acme2.example.com");
            assertEquals(0, edit.exitCode(), "the change is stored even when it cannot be announced: " + edit);
            assertTrue(redis.connections() > 0, "a change is announced through Redis");
        }

        try (App instance = App.wire(TestApps.config(env))) {
            assertInstanceOf(
                    TenantResolver.Resolution.Found.class,
                    instance.tenants().resolve("acme2.example.com"),
                    "cached as found");
            CliRun disable = CliRun.run(env, "tenants", "edit", "--id", "acme", "--is_enabled", "0");
            assertEquals(0, disable.exitCode(), disable::toString);
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
            while (!(instance.tenants().resolve("acme2.example.com") instanceof TenantResolver.Resolution.Disabled)
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertInstanceOf(
                    TenantResolver.Resolution.Disabled.class,
                    instance.tenants().resolve("acme2.example.com"),
                    "the listening instance saw the command's change");
        }
    }

    @Test
    void applicationCommandsNeedATenantInProviderMode() throws SQLException {
        provider(Kind.H2);
        initAndCreate("acme", "acme.example.com");
        List<List<String>> commands = List.of(
                List.of("install", "-u", "alice", "-e", "alice@example.com", "-x", "secret123"),
                List.of("version-installed"),
                List.of("database-migrate"),
                List.of("database-migrate", "--dump"),
                List.of("setting-get", "-k", "website_name"),
                List.of("setting-update", "-k", "website_name", "-v", "X"),
                List.of("password-reset", "-u", "alice", "-x", "newpassword1"),
                List.of("api-key-create", "-u", "alice"));
        for (List<String> command : commands) {
            CliRun r = cli.run(command.toArray(String[]::new));
            assertEquals(1, r.exitCode(), command + ": " + r);
            assertTrue(r.err().contains("--tenant") && r.err().contains("TESELA_TENANT"), command + ": " + r);
            assertFalse(r.out().contains("tsk_"), command + ": " + r);
        }
        CliRun blank = cli.run(TestApps.with(env, "TESELA_TENANT", " "), "version-installed");
        assertEquals(1, blank.exitCode(), blank::toString);
        assertTrue(blank.err().contains("TESELA_TENANT"), blank.err());

        assertEquals(0, count("tsl_acme_users"), "install without a tenant installs nowhere");
        assertFalse(tables().contains("tsl_users"), tables().toString());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // database:migrate, cache, delete

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void databaseMigrateMigratesEveryTenantOrOne(Kind kind) throws SQLException {
        provider(kind);
        CliRun none = cli.run("tenants", "database:migrate");
        assertEquals(0, none.exitCode(), none::toString);
        assertEquals(List.of("0 tenant(s), 0 failed."), none.outLines());
        assertTrue(tables().contains(CONTROL_TENANTS), "database:migrate brings the control plane up too");

        initAndCreate("acme", "acme.example.com");
        initAndCreate("beta", "beta.example.com");

        CliRun all = cli.run("tenants", "database:migrate");
        assertEquals(0, all.exitCode(), all::toString);
        assertEquals(
                List.of(
                        "acme: ok (0 migration(s) applied)",
                        "beta: ok (0 migration(s) applied)",
                        "2 tenant(s), 0 failed."),
                all.outLines());

        // Lose beta's schema: database:migrate puts it back, and --id only touches the tenant named.
        cli.app().migrator().dropTenantTables("tsl_beta_");
        assertEquals(Set.of(), tablesStartingWith("tsl_beta_"));

        CliRun onlyAcme = cli.run("tenants", "database:migrate", "--id", "acme");
        assertEquals(0, onlyAcme.exitCode(), onlyAcme::toString);
        assertEquals(List.of("acme: ok (0 migration(s) applied)", "1 tenant(s), 0 failed."), onlyAcme.outLines());
        assertEquals(Set.of(), tablesStartingWith("tsl_beta_"), "--id acme leaves beta alone");

        // The application command migrates the tenant it is given, too (not only the control plane).
        CliRun appCommand = cli.run("database-migrate", "--tenant", "beta");
        assertEquals(0, appCommand.exitCode(), appCommand::toString);
        assertTrue(appCommand.out().contains("Applied"), appCommand.out());
        assertEquals(tenantTableNames("tsl_beta_"), tablesStartingWith("tsl_beta_"));
        cli.app().migrator().dropTenantTables("tsl_beta_");

        CliRun onlyBeta = cli.run("tenants", "database:migrate", "--id", "beta", "--parallel", "1");
        assertEquals(0, onlyBeta.exitCode(), onlyBeta::toString);
        assertTrue(
                onlyBeta.outLines().getFirst().matches("beta: ok \\([1-9]\\d* migration\\(s\\) applied\\)"),
                onlyBeta.out());
        assertEquals("1 tenant(s), 0 failed.", onlyBeta.outLines().getLast());
        assertEquals(2, onlyBeta.outLines().size(), onlyBeta.out());
        assertEquals(tenantTableNames("tsl_beta_"), tablesStartingWith("tsl_beta_"));

        CliRun unknown = cli.run("tenants", "database:migrate", "--id", "nosuch");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("nosuch"), unknown.err());

        CliRun cache = cli.run("tenants", "cache");
        assertEquals(0, cache.exitCode(), cache::toString);
        assertEquals("Tenant caches emptied on every instance.", cache.out().strip());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void deleteKeepsOrDropsTheTables(Kind kind) throws SQLException {
        provider(kind);
        initAndCreate("acme", "acme.example.com");
        initAndCreate("beta", "beta.example.com");
        assertEquals(
                0,
                cli.run("install", "--tenant", "acme", "-u", "alice", "-e", "alice@example.com", "-x", "secret123")
                        .exitCode());
        assertEquals(
                0,
                cli.run("install", "--tenant", "beta", "-u", "bob", "-e", "bob@example.com", "-x", "secret123")
                        .exitCode());
        Set<String> acmeTables = tenantTableNames("tsl_acme_");
        assertEquals(acmeTables, tablesStartingWith("tsl_acme_"));
        assertTrue(acmeTables.contains("tsl_acme_schema_history"), acmeTables.toString());

        CliRun keep = cli.run("tenants", "delete", "--id", "beta");
        assertEquals(0, keep.exitCode(), keep::toString);
        assertEquals("Deleted tenant 'beta'; its tables were kept.", keep.out().strip());
        assertEquals(List.of("acme"), registryIds());
        assertEquals(1, cli.run("tenants", "get", "--id", "beta").exitCode(), "beta is gone from the registry");
        assertEquals(
                1, cli.run("version-installed", "--tenant", "beta").exitCode(), "a deleted tenant cannot be chosen");
        assertEquals(tenantTableNames("tsl_beta_"), tablesStartingWith("tsl_beta_"), "beta's tables were kept");
        assertEquals(List.of("bob"), usernames("tsl_beta_users"), "and still hold its data");

        CliRun drop = cli.run("tenants", "delete", "--id", "acme", "--drop-tables");
        assertEquals(0, drop.exitCode(), drop::toString);
        assertEquals("Deleted tenant 'acme' and its tables.", drop.out().strip());
        assertEquals(List.of(), registryIds());
        assertEquals(Set.of(), tablesStartingWith("tsl_acme_"), "every tsl_acme_ table, the history too");
        assertThrows(SQLException.class, () -> count("tsl_acme_users"));
        assertEquals(List.of("bob"), usernames("tsl_beta_users"), "dropping acme leaves beta's tables alone");
        assertTrue(tables().contains(CONTROL_TENANTS));

        for (String id : List.of("acme", "nosuch", "default")) {
            CliRun unknown = cli.run("tenants", "delete", "--id", id, "--drop-tables");
            assertEquals(1, unknown.exitCode(), id + ": " + unknown);
            assertTrue(unknown.err().contains("No tenant with id '" + id + "'"), unknown.err());
        }
        assertEquals(List.of("bob"), usernames("tsl_beta_users"), "a refused delete drops nothing");

        // Dropped completely: the id can be provisioned again, from scratch.
        CliRun recreate = cli.run("tenants", "create", "--id", "acme", "--hostname", "acme.example.com");
        assertEquals(0, recreate.exitCode(), recreate::toString);
        assertEquals(acmeTables, tablesStartingWith("tsl_acme_"));
        assertEquals(0, count("tsl_acme_users"), "no data of the old acme");
        assertEquals(3, cli.run("version-installed", "--tenant", "acme").exitCode(), "the new acme is not installed");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // provider mode off

    @Test
    void tenantsCommandsNeedProviderMode() throws SQLException {
        db = TestDatabase.create(Kind.H2);
        env = TestApps.env(db, Map.of());
        cli = new CliSession(env);
        List<List<String>> commands = List.of(
                List.of("init"),
                List.of("create", "--id", "acme", "--hostname", "acme.example.com"),
                List.of("get", "--id", "acme"),
                List.of("list"),
                List.of("edit", "--id", "acme", "--is_enabled", "1"),
                List.of("delete", "--id", "acme", "--drop-tables"),
                List.of("cache"),
                List.of("database:migrate"));
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(List.of("tenants"));
            args.addAll(command);
            CliRun r = cli.run(args.toArray(String[]::new));
            assertEquals(1, r.exitCode(), command + ": " + r);
            assertTrue(r.err().contains("Provider mode is off"), command + ": " + r);
            assertTrue(r.err().contains("TESELA_TENANTS_ENABLED=1"), command + ": " + r);
            assertEquals("", r.out(), command + ": " + r);
        }
        assertEquals(Set.of(), tablesStartingWith("tsl_acme_"));

        CliRun off = CliRun.run(TestApps.with(env, "TESELA_TENANTS_ENABLED", "0"), "tenants", "list");
        assertEquals(1, off.exitCode(), off::toString);
        assertTrue(off.err().contains("Provider mode is off"), off.err());
    }

    @Test
    void tenantsWithoutASubcommandIsAnError() {
        provider(Kind.H2);
        CliRun r = cli.run("tenants");
        assertNotEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("Missing tenants command"), r.err());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    private void initAndCreate(String id, String hostname, String... options) {
        CliRun init = cli.run("tenants", "init");
        assertEquals(0, init.exitCode(), init::toString);
        List<String> args = new ArrayList<>(List.of("tenants", "create", "--id", id, "--hostname", hostname));
        args.addAll(List.of(options));
        CliRun create = cli.run(args.toArray(String[]::new));
        assertEquals(0, create.exitCode(), create::toString);
    }

    /** Runs {@code tenants edit --id acme <options>}, expects success and returns the printed tenant. */
    private JsonNode editOk(String... options) {
        List<String> args = new ArrayList<>(List.of("tenants", "edit", "--id", "acme"));
        args.addAll(List.of(options));
        CliRun r = cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode printed = r.json();
        assertEquals(printed, cli.run("tenants", "get", "--id", "acme").json(), "the printed tenant is the stored one");
        return printed;
    }

    /** One connection for the test's own SQL (autocommit: every statement sees what the commands committed). */
    private Connection sql() throws SQLException {
        if (sql == null) {
            sql = db.connect();
        }
        return sql;
    }

    /** A plan row; there is no command for plans yet. */
    private void insertPlan(String id) throws SQLException {
        try (PreparedStatement ps = sql().prepareStatement(
                        "INSERT INTO tsl__tenant_plans (id, created_at, updated_at) VALUES (?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")) {
            ps.setString(1, id);
            assertEquals(1, ps.executeUpdate());
        }
    }

    /** The table names a tenant with table prefix {@code prefix} must have: its schema and its migration history. */
    private static Set<String> tenantTableNames(String prefix) {
        Set<String> names = new TreeSet<>();
        SchemaTables.TENANT.forEach(t -> names.add(prefix + t));
        names.add(prefix + "schema_history");
        return names;
    }

    /** Lower-cased names of every base table whose name starts with tsl_. */
    private Set<String> tables() throws SQLException {
        Set<String> names = new TreeSet<>();
        Connection c = sql();
        try (ResultSet rs = c.getMetaData().getTables(c.getCatalog(), null, "%", null)) {
            while (rs.next()) {
                String type = rs.getString("TABLE_TYPE");
                String name = rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (("TABLE".equals(type) || "BASE TABLE".equals(type)) && name.startsWith("tsl_")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private Set<String> tablesStartingWith(String prefix) throws SQLException {
        return tables().stream().filter(t -> t.startsWith(prefix)).collect(Collectors.toCollection(TreeSet::new));
    }

    private int count(String table) throws SQLException {
        try (Statement s = sql().createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private List<String> usernames(String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = sql().createStatement();
                ResultSet rs = s.executeQuery("SELECT username FROM " + table + " ORDER BY username")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private List<String> registryIds() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Statement s = sql().createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM " + CONTROL_TENANTS + " ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /** Every registry row, rendered, to compare before and after a refused command. */
    private List<String> registryRows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = sql().createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT id, hostname, plan_id, limits_json, env_enc, is_enabled, updated_at FROM "
                                + CONTROL_TENANTS + " ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|"
                        + Base64.getEncoder().encodeToString(rs.getBytes(5) == null ? new byte[0] : rs.getBytes(5))
                        + "|"
                        + rs.getBoolean(6) + "|" + rs.getString(7));
            }
        }
        return rows;
    }

    private byte[] envEnc(String id) throws SQLException {
        try (PreparedStatement ps =
                sql().prepareStatement("SELECT env_enc FROM " + CONTROL_TENANTS + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "a registry row for " + id);
                return rs.getBytes(1);
            }
        }
    }

    private String column(String column, String id) throws SQLException {
        try (PreparedStatement ps =
                sql().prepareStatement("SELECT " + column + " FROM " + CONTROL_TENANTS + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "a registry row for " + id);
                return rs.getString(1);
            }
        }
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.get("id").asString()));
        return ids;
    }

    private static boolean containsBytes(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
