package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.tenancy.PlanRecord;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import dev.tesela.tenancy.TenantCommands.PlanChange;
import dev.tesela.tenancy.TenantRecord;
import dev.tesela.tenancy.TenantRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tesela tenants <command>}: the provider's commands. They need provider mode (TESELA_TENANTS_ENABLED=1) and
 * print JSON for machines (a tenant, or a list of them) on stdout.
 */
@Command(
        name = "tenants",
        description = "Manage the tenants of a provider installation (needs TESELA_TENANTS_ENABLED=1).",
        subcommands = {})
final class TenantsCommands implements Runnable {
    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Override
    public void run() {
        throw new AppException(ErrorCode.BAD_REQUEST, "Missing tenants command. Try `tesela tenants --help`.");
    }

    /** Registers the subcommands, each bound to {@code cli}. */
    static List<Object> subcommands(CliEnvironment cli) {
        return List.of(
                new Init(cli),
                new Create(cli),
                new Get(cli),
                new ListTenants(cli),
                new Edit(cli),
                new Delete(cli),
                new Cache(cli),
                new DatabaseMigrate(cli),
                new PlanCreate(cli),
                new PlanGet(cli),
                new PlanList(cli),
                new PlanEdit(cli),
                new PlanDelete(cli),
                new StatsRefresh(cli),
                new JobsWorkerCommand(cli),
                new ApiKeyCreate(cli),
                new ApiKeyVerify(cli),
                new ApiKeyDelete(cli),
                new UserPasswordReset(cli));
    }

    abstract static class ProviderCommand implements Callable<Integer> {
        final CliEnvironment cli;

        ProviderCommand(CliEnvironment cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            // Refused from the configuration alone, before anything is wired.
            if (!cli.config().tenants().enabled()) {
                throw new AppException(
                        ErrorCode.BAD_REQUEST,
                        "Provider mode is off: set TESELA_TENANTS_ENABLED=1 (see docs/configuration.md).");
            }
            return cli.withApp(this::run);
        }

        abstract int run(App app);

        void print(Object value) {
            cli.out().println(JSON.writeValueAsString(value));
        }
    }

    /** A tenant as JSON, with its last statistics. */
    static Map<String, Object> json(App app, TenantRecord t) {
        return dev.tesela.tenancy.TenantJson.tenant(t, app.registry().stats(t.id()));
    }

    @Command(
            name = "init",
            description = "Create or update the control-plane tables (the tenant registry). Safe to repeat.")
    static final class Init extends ProviderCommand {
        Init(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            int applied = app.migrate();
            cli.out()
                    .println(
                            applied == 0
                                    ? "The tenant registry is up to date."
                                    : "Tenant registry initialised (" + applied + " migration(s)).");
            return 0;
        }
    }

    @Command(
            name = "create",
            description = "Provision a tenant: its tables, registry entry and caches. Prints it as JSON.")
    static final class Create extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Tenant id: 1-16 of a-z, 0-9, _ and -.")
        String id;

        @Option(names = "--hostname", required = true, description = "Host name the tenant is served on.")
        String hostname;

        @Option(names = "--is_enabled", defaultValue = "0", description = "1 to serve it now (default 0).")
        String enabled;

        @Option(names = "--plan_id", description = "Plan id.")
        String planId;

        @Option(names = "--limits", description = "Limits as a JSON object.")
        String limits;

        @Option(names = "--env", description = "Environment overrides as a JSON object; stored encrypted.")
        String env;

        Create(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.migrate();
            print(json(
                    app,
                    app.registry()
                            .create(new CreateTenant(
                                    id,
                                    hostname,
                                    flag("--is_enabled", enabled),
                                    planId,
                                    limits,
                                    TenantRegistry.parseEnv(env)))));
            return 0;
        }
    }

    @Command(name = "get", description = "Print a tenant as JSON (env decrypted).")
    static final class Get extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Tenant id.")
        String id;

        Get(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            print(json(app, app.registry().get(id)));
            return 0;
        }
    }

    @Command(name = "list", description = "Print every tenant as a JSON array.")
    static final class ListTenants extends ProviderCommand {
        ListTenants(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            print(app.registry().list().stream().map(t -> json(app, t)).toList());
            return 0;
        }
    }

    @Command(name = "edit", description = "Change a tenant; options left out stay as they are. Prints it as JSON.")
    static final class Edit extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Tenant id.")
        String id;

        @Option(names = "--hostname", description = "New host name.")
        String hostname;

        @Option(names = "--is_enabled", description = "1 or 0.")
        String enabled;

        @Option(names = "--plan_id", description = "Plan id; '' removes the plan.")
        String planId;

        @Option(names = "--limits", description = "Limits as a JSON object; 'null' clears them.")
        String limits;

        @Option(names = "--env", description = "Environment overrides as a JSON object; 'null' or '{}' clears them.")
        String env;

        Edit(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            print(json(
                    app,
                    app.registry()
                            .edit(new EditTenant(
                                    id,
                                    Optional.ofNullable(hostname),
                                    Optional.ofNullable(enabled).map(v -> flag("--is_enabled", v)),
                                    Optional.ofNullable(planId),
                                    Optional.ofNullable(limits),
                                    Optional.ofNullable(env).map(TenantRegistry::parseEnv)))));
            return 0;
        }
    }

    @Command(name = "delete", description = "Remove a tenant. With --drop-tables, its tables and all its data too.")
    static final class Delete extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Tenant id.")
        String id;

        @Option(names = "--drop-tables", description = "Drop the tenant's tables.")
        boolean dropTables;

        Delete(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.registry().delete(id, dropTables);
            cli.out()
                    .println("Deleted tenant '" + id + "'"
                            + (dropTables ? " and its tables." : "; its tables were kept."));
            return 0;
        }
    }

    @Command(name = "cache", description = "Empty the tenant caches of every instance.")
    static final class Cache extends ProviderCommand {
        Cache(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.registry().refreshCaches();
            cli.out().println("Tenant caches emptied on every instance.");
            return 0;
        }
    }

    @Command(
            name = "database:migrate",
            description = "Migrate the schema of one tenant (--id) or of all of them, "
                    + "several at a time; prints a line per tenant and exits 1 if any failed.")
    static final class DatabaseMigrate extends ProviderCommand {
        @Option(names = "--id", description = "Only this tenant.")
        String id;

        @Option(names = "--parallel", defaultValue = "4", description = "Tenants migrated at once (default 4).")
        int parallel;

        DatabaseMigrate(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.migrator().migrate(Schema.CONTROL, App.controlPrefix(app.config()));
            var outcomes = id != null
                    ? List.of(app.registry().migrateOne(id))
                    : app.registry().migrateAll(parallel);
            int failed = 0;
            for (var o : outcomes) {
                if (o.error() == null) {
                    cli.out().println(o.tenantId() + ": ok (" + o.applied() + " migration(s) applied)");
                } else {
                    failed++;
                    cli.out().println(o.tenantId() + ": FAILED: " + o.error());
                }
            }
            cli.out().println(outcomes.size() + " tenant(s), " + failed + " failed.");
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(
            name = "user:password-reset",
            description =
                    "Set the password of a user of one tenant (a random one of 16 "
                            + "letters and digits without --password), sign that user out there, and print the new password: it is shown only once.")
    static final class UserPasswordReset extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Tenant id.")
        String id;

        @Option(names = "--username", required = true, description = "The user's username in that tenant.")
        String username;

        @Option(names = "--password", description = "New password (8-128 characters); a random one when omitted.")
        String password;

        @Option(
                names = "--revoke-api-keys",
                description = "Also delete the user's API keys in that tenant (default: they keep working).")
        boolean revokeApiKeys;

        UserPasswordReset(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            var reset = app.tenantAccounts().resetPassword(id, username, Optional.ofNullable(password), revokeApiKeys);
            if (revokeApiKeys) {
                cli.err().println("Revoked " + reset.apiKeysRevoked() + " API key(s) of '" + reset.username() + "'.");
            }
            cli.out().println(reset.password());
            return 0;
        }
    }

    @Command(
            name = "api:key:create",
            description = "Create a Tenants API key and print it (the last line). It is shown only once.")
    static final class ApiKeyCreate extends ProviderCommand {
        @Option(names = "--name", description = "A name to find the key by (unique).")
        String name;

        @Option(names = "--expires", description = "Expiry, UTC: 'YYYY-MM-DD HH:MM:SS' (default: never).")
        String expires;

        ApiKeyCreate(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            java.time.Instant expiry = null;
            if (expires != null) {
                try {
                    expiry = java.time.LocalDateTime.parse(expires.strip().replace(' ', 'T'))
                            .toInstant(java.time.ZoneOffset.UTC);
                } catch (java.time.format.DateTimeParseException e) {
                    throw AppException.invalid("expires", "--expires must be 'YYYY-MM-DD HH:MM:SS' (UTC).");
                }
            }
            String key = app.tenantApiKeys().create(name, expiry);
            cli.out().println("Tenants API key created. Store it now: it cannot be shown again.");
            cli.out().println(key);
            return 0;
        }
    }

    @Command(
            name = "api:key:verify",
            description = "Check a Tenants API key (shape, signature, existence, expiry); exit 1 if invalid.")
    static final class ApiKeyVerify extends ProviderCommand {
        @Option(names = "--key", required = true, description = "The key.")
        String key;

        ApiKeyVerify(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            var info = app.tenantApiKeys().verify(key);
            if (info.isEmpty()) {
                cli.out().println("Invalid API key.");
                return 1;
            }
            print(dev.tesela.tenancy.TenantApiKeys.json(info.get()));
            return 0;
        }
    }

    @Command(name = "api:key:delete", description = "Delete Tenants API keys by --id and/or --name.")
    static final class ApiKeyDelete extends ProviderCommand {
        @Option(names = "--id", description = "Key id (the number after tsl_).")
        Long id;

        @Option(names = "--name", description = "Key name.")
        String name;

        ApiKeyDelete(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            int deleted = app.tenantApiKeys().delete(id, name);
            cli.out().println("Deleted " + deleted + " key(s).");
            return deleted > 0 ? 0 : 1;
        }
    }

    @Command(
            name = "stats:refresh",
            description = "Recount the statistics of one tenant (--id) or of all of them and "
                    + "print them as JSON (a tenant that is not installed has none: null).")
    static final class StatsRefresh extends ProviderCommand {
        @Option(names = "--id", description = "Only this tenant.")
        String id;

        StatsRefresh(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            var job = app.statsJob();
            Map<String, Object> out = new LinkedHashMap<>();
            List<String> ids = id != null
                    ? List.of(app.registry().get(id).id())
                    : app.registry().list().stream()
                            .map(dev.tesela.tenancy.TenantRecord::id)
                            .toList();
            for (String tenantId : ids) {
                var tenant = app.tenants().byId(tenantId).orElseThrow();
                job.run(app.systemContext(tenant));
                out.put(tenantId, app.registry().stats(tenantId).orElse(null));
            }
            cli.out().println(JSON.writeValueAsString(out));
            return 0;
        }
    }

    @Command(
            name = "jobs:worker",
            description =
                    "Run the tenants' due jobs (expired uploads, statistics) every few "
                            + "seconds until stopped; safe to run on several instances at once. --once: one pass, a line per tenant.")
    static final class JobsWorkerCommand extends ProviderCommand {
        @Option(names = "--id", description = "Only this tenant.")
        String id;

        @Option(names = "--once", description = "One pass, then exit (for cron or a check).")
        boolean once;

        @Option(names = "--force", description = "With --once: run even if the tenant's interval has not passed.")
        boolean force;

        @Option(names = "--poll-seconds", defaultValue = "5", description = "Seconds between passes (default 5).")
        int pollSeconds;

        JobsWorkerCommand(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            var worker = app.jobsWorker();
            if (once) {
                var outcomes = worker.runOnce(java.util.Optional.ofNullable(id), force);
                outcomes.forEach((tenantId, outcome) -> cli.out()
                        .println(tenantId + ": "
                                + outcome.name()
                                        .toLowerCase(java.util.Locale.ROOT)
                                        .replace('_', ' ')));
                return outcomes.containsValue(dev.tesela.tenancy.JobsWorker.Outcome.FAILED) ? 1 : 0;
            }
            // A long-running worker is an instance: it drops its cached tenants when any instance changes one.
            app.listenForTenantChanges();
            var stopped = new java.util.concurrent.atomic.AtomicBoolean();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopped.set(true)));
            try {
                worker.runUntil(java.time.Duration.ofSeconds(Math.max(1, pollSeconds)), stopped::get);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
    }

    static Map<String, Object> json(PlanRecord p) {
        return dev.tesela.tenancy.TenantJson.plan(p);
    }

    @Command(
            name = "plan:create",
            description = "Create a plan: limits and env shared by the tenants on it. Prints it as JSON.")
    static final class PlanCreate extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Plan id: 1-16 of a-z, 0-9, _ and -.")
        String id;

        @Option(names = "--limits", description = "Limits as a JSON object.")
        String limits;

        @Option(names = "--env", description = "Environment overrides as a JSON object; stored encrypted.")
        String env;

        PlanCreate(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.migrate();
            print(json(app.registry()
                    .createPlan(new PlanChange(
                            id,
                            Optional.ofNullable(limits),
                            Optional.ofNullable(env).map(TenantRegistry::parseEnv)))));
            return 0;
        }
    }

    @Command(name = "plan:get", description = "Print a plan as JSON (env decrypted).")
    static final class PlanGet extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Plan id.")
        String id;

        PlanGet(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            print(json(app.registry().getPlan(id)));
            return 0;
        }
    }

    @Command(name = "plan:list", description = "Print every plan as a JSON array.")
    static final class PlanList extends ProviderCommand {
        PlanList(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            print(app.registry().listPlans().stream().map(TenantsCommands::json).toList());
            return 0;
        }
    }

    @Command(
            name = "plan:edit",
            description = "Change a plan; every tenant on it sees the change at once. Prints it as JSON.")
    static final class PlanEdit extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Plan id.")
        String id;

        @Option(names = "--limits", description = "Limits as a JSON object; 'null' clears them.")
        String limits;

        @Option(names = "--env", description = "Environment overrides as a JSON object; 'null' or '{}' clears them.")
        String env;

        PlanEdit(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            print(json(app.registry()
                    .editPlan(new PlanChange(
                            id,
                            Optional.ofNullable(limits),
                            Optional.ofNullable(env).map(TenantRegistry::parseEnv)))));
            return 0;
        }
    }

    @Command(name = "plan:delete", description = "Delete a plan; its tenants keep running without one.")
    static final class PlanDelete extends ProviderCommand {
        @Option(names = "--id", required = true, description = "Plan id.")
        String id;

        PlanDelete(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            app.registry().deletePlan(id);
            cli.out().println("Deleted plan '" + id + "'.");
            return 0;
        }
    }

    private static boolean flag(String option, String value) {
        return switch (value.strip()) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw AppException.invalid(option, option + " must be 1 or 0.");
        };
    }
}
