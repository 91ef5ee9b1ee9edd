package dev.tesela.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.account.AccountCommands.SignedIn;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.CliSession;
import dev.tesela.testing.ConnectionProbe;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestDatabase.Kind;
import dev.tesela.testing.TestFiles;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The command line, run in-process through {@link TeselaCli#run} against a real database: exit codes, what goes to
 * stdout and stderr, and that the commands' effects are real (keys authenticate, passwords sign in, nothing is
 * left behind by a failed install).
 */
@Execution(ExecutionMode.CONCURRENT) // every test has its own database, data dir and wiring
class CliTest {
    private static final String ADMIN = "admin";
    private static final String ADMIN_EMAIL = "admin@example.com";
    private static final String ADMIN_PASSWORD = "secret123";

    private TestDatabase db;
    private Map<String, String> env;
    /** The test's commands, on one wiring of {@link #env} (see {@link CliSession}). */
    private CliSession cli;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(Kind.H2);
        env = TestApps.env(db, Map.of());
        cli = new CliSession(env);
    }

    @AfterEach
    void tearDown() throws IOException {
        cli.close();
        db.close();
        TestFiles.deleteTree(TestApps.dataDir(env));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // version, help, usage

    @Test
    void versionPrintsTheBuildVersion() {
        CliRun r = CliRun.run(env, "version");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(App.VERSION, r.out().strip());
        assertTrue(App.VERSION.matches("\\d+\\.\\d+\\.\\d+.*"), "the build version, not a placeholder: " + App.VERSION);
        assertEquals("", r.err());
    }

    @Test
    void versionOptionPrintsTheProductAndVersion() {
        CliRun r = CliRun.run(env, "--version");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("Tesela " + App.VERSION, r.out().strip());
    }

    @Test
    void helpListsEveryCommand() {
        CliRun r = CliRun.run(env, "--help");

        assertEquals(0, r.exitCode(), r::toString);
        for (String command : List.of(
                "serve",
                "install",
                "database-migrate",
                "version",
                "version-installed",
                "setting-get",
                "setting-update",
                "password-reset",
                "api-key-create")) {
            assertTrue(
                    r.out()
                            .lines()
                            .anyMatch(l -> l.strip().startsWith(command + " ")
                                    || l.strip().equals(command)),
                    "help lists " + command + ":\n" + r.out());
        }
    }

    @Test
    void everyCommandTakesHelp() {
        for (List<String> args : List.of(
                List.of("install", "--help"),
                List.of("setting-get", "--help"),
                List.of("tenants", "--help"),
                List.of("tenants", "create", "--help"))) {
            CliRun r = CliRun.run(env, args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), args + ": " + r);
            String command = String.join(" ", args.subList(0, args.size() - 1));
            assertTrue(r.out().contains("Usage: tesela " + command), args + ": " + r);
            assertEquals("", r.err(), args + ": " + r);
        }
    }

    /**
     * Version, help and the configuration check build nothing: with the database and Redis pointing at ports that
     * count connections, they answer and nothing connected (the probes do count a client that connects: shown last).
     */
    @Test
    void versionHelpAndConfigCheckConnectToNothing() {
        try (ConnectionProbe database = new ConnectionProbe();
                ConnectionProbe redis = new ConnectionProbe()) {
            Map<String, String> probed = new HashMap<>(env);
            String databaseUrl = "jdbc:postgresql://127.0.0.1:" + database.port() + "/tesela";
            probed.put("TESELA_DB_URL", databaseUrl);
            probed.put("TESELA_REDIS_URL", "redis://127.0.0.1:" + redis.port());
            probed.put("TESELA_TENANTS_ENABLED", "1");
            probed.put("TESELA_PROVIDER_NAME", "Test");
            probed.put("TESELA_PROVIDER_URL", "https://provider.example");
            probed.put("TESELA_ENCRYPTION_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32]));
            for (List<String> args : List.of(
                    List.of("version"),
                    List.of("--version"),
                    List.of("--help"),
                    List.of("install", "--help"),
                    List.of("tenants", "list", "--help"),
                    List.of("config-check"))) {
                CliRun r = CliRun.run(probed, args.toArray(String[]::new));
                assertEquals(0, r.exitCode(), args + ": " + r);
            }
            assertEquals(0, database.connections(), "no database connection");
            assertEquals(0, redis.connections(), "no Redis connection");

            assertThrows(
                    SQLException.class,
                    () -> java.sql.DriverManager.getConnection(databaseUrl, "tesela", "")
                            .close());
            assertEquals(1, database.connections(), "the probe counts a client that connects");
        }
    }

    @Test
    void configCheckPrintsWhatTheConfigurationAmountsTo() {
        CliRun r = CliRun.run(TestApps.with(env, "TESELA_REDIS_URL", "redis://127.0.0.1:6379"), "config-check");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("The configuration is valid.", r.outLines().getFirst());
        assertTrue(
                r.outLines()
                        .containsAll(List.of(
                                "mode: single-site",
                                "database: h2",
                                "sessions: redis",
                                "data dir: " + TestApps.dataDir(env).toAbsolutePath())),
                r.out());
        assertEquals("", r.err());
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        CliRun r = cli.run("install", "-u", ADMIN);

        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--email") && r.err().contains("--password"), r.err());
        assertEquals(3, cli.run("version-installed").exitCode(), "a usage error installs nothing");
    }

    @Test
    void unknownCommandAndNoCommandAreUsageErrors() {
        CliRun unknown = CliRun.run(env, "frobnicate");
        assertEquals(2, unknown.exitCode(), unknown::toString);

        CliRun none = CliRun.run(env);
        assertEquals(2, none.exitCode(), none::toString);
        assertTrue(none.err().contains("Missing command"), "the message goes to the err stream given to run: " + none);
        assertTrue(none.err().contains("Usage: tesela"), none.err());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // schema and install

    @Test
    void versionInstalledBeforeInstallExits3() {
        CliRun r = cli.run("version-installed");

        assertEquals(3, r.exitCode(), r::toString);
        assertTrue(r.err().contains("not installed"), r.err());
        assertTrue(r.err().contains("tesela install"), "tells the operator what to do: " + r.err());
        assertEquals("", r.out());
    }

    @Test
    void databaseMigrateDumpPrintsTheSqlAndCreatesNothing() throws SQLException {
        CliRun dump = cli.run("database-migrate", "--dump");

        assertEquals(0, dump.exitCode(), dump::toString);
        assertTrue(dump.out().contains("CREATE TABLE tsl_users"), dump.out());
        assertTrue(dump.out().contains("CREATE TABLE tsl__tenants"), dump.out());
        assertFalse(dump.out().contains("${"), "every placeholder is filled");
        assertEquals(Set.of(), teselaTables(db), "--dump must not create any table (not even the migration history)");
        assertThrows(SQLException.class, () -> count(db, "tsl_users"));

        CliRun migrate = cli.run("database-migrate");
        assertEquals(0, migrate.exitCode(), migrate::toString);
        assertTrue(migrate.out().strip().matches("Applied [1-9]\\d* migration\\(s\\)\\."), migrate.out());
        Set<String> tables = teselaTables(db);
        assertTrue(tables.containsAll(Set.of("tsl_users", "tsl_settings", "tsl__tenants")), tables.toString());
        assertEquals(0, count(db, "tsl_users"));

        CliRun again = cli.run("database-migrate");
        assertEquals(0, again.exitCode(), again::toString);
        assertEquals("The schema is up to date.", again.out().strip());

        CliRun dumpAfter = cli.run("database-migrate", "--dump");
        assertEquals(0, dumpAfter.exitCode(), dumpAfter::toString);
        assertEquals(
                "-- The schema is up to date: nothing to run.", dumpAfter.out().strip());
        assertFalse(dumpAfter.out().contains("CREATE TABLE"));
    }

    @Test
    void installOnceThenAlreadyInstalled() throws SQLException {
        installIsIdempotent(db, cli::run);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Kind.class,
            names = {"MARIADB", "POSTGRES"})
    void installOnceThenAlreadyInstalledOnEveryServer(Kind kind) throws Exception {
        try (TestDatabase server = TestDatabase.create(kind)) {
            Map<String, String> serverEnv = TestApps.env(server, Map.of());
            try {
                // Each command wired and closed on its own, as `tesela` processes are.
                installIsIdempotent(server, args -> CliRun.run(serverEnv, args));
            } finally {
                TestFiles.deleteTree(TestApps.dataDir(serverEnv));
            }
        }
    }

    /** Runs one command line. */
    private interface Cli {
        CliRun run(String... args);
    }

    private static void installIsIdempotent(TestDatabase database, Cli cli) throws SQLException {
        CliRun before = cli.run("version-installed");
        assertEquals(3, before.exitCode(), before::toString);

        CliRun first = cli.run("install", "-u", ADMIN, "-e", ADMIN_EMAIL, "-x", ADMIN_PASSWORD);
        assertEquals(0, first.exitCode(), first::toString);
        assertTrue(first.out().contains(App.VERSION) && first.out().contains("'" + ADMIN + "'"), first.out());
        assertEquals(1, count(database, "tsl_users"));

        CliRun second = cli.run("install", "-u", "other", "-e", "other@example.com", "-x", "otherpass1");
        assertEquals(5, second.exitCode(), second::toString);
        assertTrue(second.err().contains("already installed"), second.err());
        assertEquals(1, count(database, "tsl_users"), "the second install adds no user");

        CliRun version = cli.run("version-installed");
        assertEquals(0, version.exitCode(), version::toString);
        assertEquals(App.VERSION, version.out().strip());

        CliRun setting = cli.run("setting-get", "-k", "website_name");
        assertEquals(0, setting.exitCode(), setting::toString);
        assertEquals("Tesela", setting.out().strip());
    }

    @Test
    void installWithBadInputNamesTheProblemsAndLeavesNothingBehind() throws SQLException {
        CliRun r = cli.run("install", "-u", "a!", "-e", ADMIN_EMAIL, "-x", "x");

        assertEquals(1, r.exitCode(), r::toString);
        String err = r.err().toLowerCase(Locale.ROOT);
        assertTrue(err.contains("username must be"), r.err());
        assertTrue(err.contains("password must be"), r.err());
        assertEquals("", r.out());

        CliRun version = cli.run("version-installed");
        assertEquals(3, version.exitCode(), version::toString);
        assertEquals(0, count(db, "tsl_users"));
        assertEquals(0, count(db, "tsl_settings"), "no half-installed settings");
        assertEquals(0, count(db, "tsl_variables"), "no installed marker");

        CliRun retry = cli.run("install", "-u", ADMIN, "-e", ADMIN_EMAIL, "-x", ADMIN_PASSWORD);
        assertEquals(0, retry.exitCode(), "a failed install does not block a correct one: " + retry);
    }

    @Test
    void installWithABadEmailIsRefused() throws SQLException {
        CliRun r = cli.run("install", "-u", ADMIN, "-e", "not-an-email", "-x", ADMIN_PASSWORD);

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().toLowerCase(Locale.ROOT).contains("e-mail"), r.err());
        assertEquals(3, cli.run("version-installed").exitCode());
        assertEquals(0, count(db, "tsl_users"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // settings

    @Test
    void settingsBeforeInstallExit3() {
        CliRun r = cli.run("setting-get", "-k", "website_name");
        assertEquals(3, r.exitCode(), r::toString);
    }

    @Test
    void settingGetAndUpdate() {
        install();

        CliRun get = cli.run("setting-get", "-k", "website_name");
        assertEquals(0, get.exitCode(), get::toString);
        assertEquals("Tesela", get.out().strip());

        CliRun update = cli.run("setting-update", "-k", "website_name", "-v", "My Pics");
        assertEquals(0, update.exitCode(), update::toString);
        assertEquals("My Pics", update.out().strip());

        CliRun after = cli.run("setting-get", "-k", "website_name");
        assertEquals(0, after.exitCode(), after::toString);
        assertEquals("My Pics", after.out().strip());

        CliRun bool = cli.run("setting-update", "-k", "enable_signups", "-v", "false");
        assertEquals(0, bool.exitCode(), bool::toString);
        assertEquals("0", bool.out().strip(), "booleans are stored as 1/0");
        assertEquals("0", cli.run("setting-get", "-k", "enable_signups").out().strip());
    }

    @Test
    void settingUpdateWithABadValueNamesTheAllowedValues() {
        install();

        CliRun r = cli.run("setting-update", "-k", "enable_signups", "-v", "maybe");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("enable_signups"), r.err());
        assertTrue(r.err().contains("1 or 0"), r.err());
        assertEquals("1", cli.run("setting-get", "-k", "enable_signups").out().strip(), "the old value stays");

        CliRun choice = cli.run("setting-update", "-k", "website_mode", "-v", "solo");
        assertEquals(1, choice.exitCode(), choice::toString);
        assertTrue(choice.err().contains("community") && choice.err().contains("personal"), choice.err());
    }

    @Test
    void unknownSettingIsAnError() {
        install();

        CliRun get = cli.run("setting-get", "-k", "no_such_setting");
        assertEquals(1, get.exitCode(), get::toString);
        assertTrue(get.err().contains("Unknown setting"), get.err());
        assertTrue(get.err().contains("no_such_setting"), get.err());

        CliRun update = cli.run("setting-update", "-k", "no_such_setting", "-v", "1");
        assertEquals(1, update.exitCode(), update::toString);
        assertTrue(update.err().contains("Unknown setting"), update.err());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // API keys

    @Test
    void apiKeyCreatePrintsAKeyThatAuthenticates() {
        install();

        CliRun r = cli.run("api-key-create", "-u", ADMIN);

        assertEquals(0, r.exitCode(), r::toString);
        String key = r.lastLine().strip();
        assertTrue(key.startsWith("tsk_"), key);
        assertTrue(r.outLines().size() > 1, "a line explaining the key comes first: " + r.out());
        App app = cli.app();
        Optional<Principal.User> user = app.accounts().authenticateApiKey(app.defaultTenant(), key);
        assertTrue(user.isPresent(), "the printed key authenticates");
        assertEquals(ADMIN, user.get().username());
        assertEquals(Principal.Role.ADMIN, user.get().role());

        assertEquals(
                Optional.empty(),
                app.accounts().authenticateApiKey(app.defaultTenant(), changeCharAt(key, key.length() - 1)),
                "one changed character in the secret part");
        assertEquals(
                Optional.empty(),
                app.accounts().authenticateApiKey(app.defaultTenant(), changeCharAt(key, 5)),
                "one changed character in the lookup prefix");
        assertEquals(Optional.empty(), app.accounts().authenticateApiKey(app.defaultTenant(), key + "x"));

        CliRun another = cli.run("api-key-create", "-u", ADMIN, "-n", "backup");
        assertEquals(0, another.exitCode(), another::toString);
        assertNotEquals(key, another.lastLine().strip(), "every key is new");
    }

    @Test
    void apiKeyCreateForAnUnknownUserFails() {
        install();

        CliRun r = cli.run("api-key-create", "-u", "nobody");

        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("nobody"), r.err());
        assertFalse(r.out().contains("tsk_"), r.out());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // password reset

    @Test
    void passwordResetWithAGivenPassword() {
        install();
        String key = cli.run("api-key-create", "-u", ADMIN).lastLine().strip();

        CliRun r = cli.run("password-reset", "-u", ADMIN, "-x", "newpassword1");

        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("newpassword1", r.lastLine().strip());
        assertEquals("", r.err(), "nothing said about API keys when they are kept");
        App app = cli.app();
        assertTrue(
                app.accounts().authenticateApiKey(app.defaultTenant(), key).isPresent(),
                "API keys are kept by default");
        SignedIn signedIn = signIn(app, ADMIN, "newpassword1");
        assertEquals(ADMIN, signedIn.user().username());
        AppException wrong = assertThrows(AppException.class, () -> signIn(app, ADMIN, ADMIN_PASSWORD));
        assertEquals(ErrorCode.UNAUTHORIZED, wrong.code());
    }

    @Test
    void passwordResetWithoutAPasswordPrintsARandomOneThatWorks() {
        install();

        CliRun r = cli.run("password-reset", "-u", ADMIN);

        assertEquals(0, r.exitCode(), r::toString);
        String password = r.lastLine().strip();
        assertTrue(password.matches("[0-9A-Za-z]{24}"), password);
        App app = cli.app();
        assertEquals(ADMIN, signIn(app, ADMIN, password).user().username());
        assertEquals(
                ErrorCode.UNAUTHORIZED,
                assertThrows(AppException.class, () -> signIn(app, ADMIN, ADMIN_PASSWORD))
                        .code());
        assertNotEquals(
                password, cli.run("password-reset", "-u", ADMIN).lastLine().strip(), "a new random password each time");
    }

    @Test
    void passwordResetRevokesTheUsersApiKeysWhenToldTo() {
        install();
        String key = cli.run("api-key-create", "-u", ADMIN).lastLine().strip();

        CliRun revoked = cli.run("password-reset", "-u", ADMIN, "-x", "newpassword2", "--revoke-api-keys");
        assertEquals(0, revoked.exitCode(), revoked::toString);
        assertEquals(List.of("newpassword2"), revoked.outLines(), "the password is still the only output");
        assertTrue(revoked.err().contains("Revoked 1 API key(s)"), revoked.err());

        App app = cli.app();
        assertEquals(Optional.empty(), app.accounts().authenticateApiKey(app.defaultTenant(), key), "the key is gone");
        assertEquals(ADMIN, signIn(app, ADMIN, "newpassword2").user().username());
        // Without the option the keys are kept: see passwordResetWithAGivenPassword and TenantsApiTest.
    }

    @Test
    void passwordResetRefusesATooShortPasswordAndAnUnknownUser() {
        install();

        CliRun shortPassword = cli.run("password-reset", "-u", ADMIN, "-x", "short");
        assertEquals(1, shortPassword.exitCode(), shortPassword::toString);
        assertTrue(shortPassword.err().contains("Password must be"), shortPassword.err());

        CliRun unknown = cli.run("password-reset", "-u", "nobody", "-x", "newpassword1");
        assertEquals(1, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("nobody"), unknown.err());

        App app = cli.app();
        assertEquals(ADMIN, signIn(app, ADMIN, ADMIN_PASSWORD).user().username(), "the old password still works");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // configuration and tenant selection

    @Test
    void invalidConfigurationExits78NamingEveryBadKey() {
        Map<String, String> bad = new HashMap<>(env);
        bad.put("TESELA_HTTP_PORT", "abc");
        bad.put("TESELA_DB_TABLE_PREFIX", "Bad-Prefix");
        bad.put("TESELA_ENCRYPTION_KEY", "notbase64");

        for (String command : List.of("version-installed", "config-check")) {
            CliRun r = CliRun.run(bad, command);

            assertEquals(78, r.exitCode(), command + ": " + r);
            for (String key : List.of("TESELA_HTTP_PORT", "TESELA_DB_TABLE_PREFIX", "TESELA_ENCRYPTION_KEY")) {
                assertTrue(r.err().contains(key), command + ": stderr names " + key + ":\n" + r.err());
            }
            assertEquals("", r.out(), command);
        }
    }

    @Test
    void unknownTenantIsNotFound() {
        install();

        CliRun option = cli.run("version-installed", "--tenant", "nosuch");
        assertEquals(1, option.exitCode(), option::toString);
        assertTrue(option.err().contains("nosuch"), option.err());

        CliRun fromEnv = cli.run(TestApps.with(env, "TESELA_TENANT", "nosuch"), "setting-get", "-k", "website_name");
        assertEquals(1, fromEnv.exitCode(), fromEnv::toString);
        assertTrue(fromEnv.err().contains("nosuch"), fromEnv.err());

        CliRun named = cli.run("version-installed", "--tenant", "default");
        assertEquals(0, named.exitCode(), "the single-site tenant can be named: " + named);
        assertEquals(App.VERSION, named.out().strip());
    }

    @Test
    void unknownTenantIsNotFoundBeforeInstallToo() {
        CliRun r = cli.run("database-migrate", "--dump", "--tenant", "nosuch");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.err().contains("nosuch"), r.err());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    private void install() {
        CliRun r = cli.run("install", "-u", ADMIN, "-e", ADMIN_EMAIL, "-x", ADMIN_PASSWORD);
        assertEquals(0, r.exitCode(), r::toString);
    }

    private static SignedIn signIn(App app, String login, String password) {
        return app.accounts()
                .signIn(app.systemContext(app.defaultTenant()), new SignIn(login, password, false, "CliTest"));
    }

    private static String changeCharAt(String s, int index) {
        char c = s.charAt(index);
        char replacement = c == 'A' ? 'B' : 'A';
        return s.substring(0, index) + replacement + s.substring(index + 1);
    }

    /** Lower-cased names of every table whose name starts with the default prefix (site or control plane). */
    private static Set<String> teselaTables(TestDatabase database) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Connection c = database.connect();
                ResultSet rs = c.getMetaData().getTables(c.getCatalog(), null, "%", null)) {
            while (rs.next()) {
                String name = rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (name.startsWith("tsl_")) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private static int count(TestDatabase database, String table) throws SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
