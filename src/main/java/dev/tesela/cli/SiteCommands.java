package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The application commands that act on one site. Each gets the app from {@link CliEnvironment#withApp} (wired for the
 * command, connecting only what it uses), runs one service call as the system principal, prints its result on stdout, and returns the exit code. Failures are AppExceptions, turned into a
 * message and exit code by {@link TeselaCli}.
 */
final class SiteCommands {
    private SiteCommands() {}

    abstract static class SiteCommand implements Callable<Integer> {
        final CliEnvironment cli;

        @Option(names = "--tenant", description = "Tenant id (default: $TESELA_TENANT, else the single site).")
        String tenant;

        SiteCommand(CliEnvironment cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            return cli.withApp(this::run);
        }

        abstract int run(App app);

        /** Refuses to act on a site whose schema was never created. */
        void requireSchema(App app) {
            if (app.migrator().tenantVersion(cli.tenant(app, tenant).placement()) == null) {
                throw new AppException(
                        ErrorCode.NOT_INSTALLED, "This site is not installed. Run `tesela install` first.");
            }
        }

        void requireInstalled(App app) {
            requireSchema(app);
            if (!app.installs().isInstalled(cli.system(app, tenant))) {
                throw new AppException(
                        ErrorCode.NOT_INSTALLED, "This site is not installed. Run `tesela install` first.");
            }
        }
    }

    @Command(
            name = "install",
            description = "Create the database schema, default settings and the administrator. "
                    + "Exit code 5 when the site is already installed.")
    static final class Install extends SiteCommand {
        @Option(
                names = {"-u", "--username"},
                required = true,
                description = "Administrator username (3-16 of a-z, 0-9, _).")
        String username;

        @Option(
                names = {"-e", "--email"},
                required = true,
                description = "Administrator e-mail.")
        String email;

        @Option(
                names = {"-x", "--password"},
                required = true,
                description = "Administrator password (8-128 characters).")
        String password;

        Install(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.migrate();
            var admin = app.installs().install(cli.system(app, tenant), new InstallCommand(username, email, password));
            cli.out()
                    .println("Installed Tesela " + App.VERSION + "; administrator '" + admin.username() + "' created.");
            return 0;
        }
    }

    @Command(
            name = "database-migrate",
            description = "Bring the database schema to this version. With --dump, print the SQL instead.")
    static final class DatabaseMigrate extends SiteCommand {
        @Option(
                names = {"-d", "--dump"},
                description = "Print the pending SQL without running it.")
        boolean dump;

        DatabaseMigrate(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            var tenantTables = cli.tenant(app, tenant).placement();
            if (dump) {
                String sql = app.migrator().pendingSql(Schema.CONTROL, App.controlPrefix(app.config()))
                        + app.migrator().pendingTenantSql(tenantTables);
                cli.out().print(sql.isBlank() ? "-- The schema is up to date: nothing to run.\n" : sql);
                return 0;
            }
            int applied = app.migrate();
            if (app.tenants().providerMode()) {
                // app.migrate() covers the control plane only in provider mode; the named tenant's schema is ours.
                applied += app.migrator().migrateTenant(tenantTables);
            }
            cli.out().println(applied == 0 ? "The schema is up to date." : "Applied " + applied + " migration(s).");
            return 0;
        }
    }

    @Command(name = "version", description = "Print the version of this Tesela build.")
    static final class Version implements Callable<Integer> {
        private final CliEnvironment cli;

        Version(CliEnvironment cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            cli.out().println(App.VERSION);
            return 0;
        }
    }

    @Command(
            name = "version-installed",
            description = "Print the version the site was installed with. Exit code 3 when not installed.")
    static final class VersionInstalled extends SiteCommand {
        VersionInstalled(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireInstalled(app);
            cli.out()
                    .println(app.installs()
                            .installedVersion(cli.system(app, tenant))
                            .orElseThrow());
            return 0;
        }
    }

    @Command(name = "setting-get", description = "Print a setting's value.")
    static final class SettingGet extends SiteCommand {
        @Option(
                names = {"-k", "--key"},
                required = true,
                description = "Setting name, e.g. website_name.")
        String key;

        SettingGet(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireInstalled(app);
            cli.out().println(app.settings().get(cli.system(app, tenant), key));
            return 0;
        }
    }

    @Command(name = "setting-update", description = "Change a setting and print the stored value.")
    static final class SettingUpdate extends SiteCommand {
        @Option(
                names = {"-k", "--key"},
                required = true,
                description = "Setting name.")
        String key;

        @Option(
                names = {"-v", "--value"},
                required = true,
                description = "New value (booleans: 1/0).")
        String value;

        SettingUpdate(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireInstalled(app);
            cli.out().println(app.settings().update(cli.system(app, tenant), key, value));
            return 0;
        }
    }

    @Command(
            name = "password-reset",
            description =
                    "Set a user's password (random when -x is omitted), print it, "
                            + "and sign the user out everywhere. With --revoke-api-keys, also delete the user's API keys (kept otherwise).")
    static final class PasswordReset extends SiteCommand {
        @Option(
                names = {"-u", "--username"},
                required = true,
                description = "Username.")
        String username;

        @Option(
                names = {"-x", "--password"},
                description = "New password; a random one when omitted.")
        String password;

        @Option(
                names = "--revoke-api-keys",
                description = "Also delete the user's API keys (default: they keep working).")
        boolean revokeApiKeys;

        PasswordReset(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireInstalled(app);
            var reset = app.accounts()
                    .resetPassword(cli.system(app, tenant), username, Optional.ofNullable(password), revokeApiKeys);
            if (revokeApiKeys) {
                cli.err().println("Revoked " + reset.apiKeysRevoked() + " API key(s) of '" + reset.username() + "'.");
            }
            cli.out().println(reset.password());
            return 0;
        }
    }

    @Command(
            name = "api-key-create",
            description = "Create an API key for a user. The key is the last line of output; "
                    + "it is shown once and stored only as a hash.")
    static final class ApiKeyCreate extends SiteCommand {
        @Option(
                names = {"-u", "--username"},
                required = true,
                description = "Username.")
        String username;

        @Option(
                names = {"-n", "--name"},
                description = "A label for the key.",
                defaultValue = "cli")
        String name;

        ApiKeyCreate(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireInstalled(app);
            String key = app.accounts().createApiKey(cli.system(app, tenant), username, name);
            cli.out().println("API key for '" + username + "' (store it now; it cannot be shown again):");
            cli.out().println(key);
            return 0;
        }
    }
}
