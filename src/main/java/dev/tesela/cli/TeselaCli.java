package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.platform.config.ConfigException;
import dev.tesela.platform.error.AppException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tesela <command>}: the root of the command line. Exit codes: 0 success, 1 error, 2 bad usage, 3 site not
 * installed, 5 already installed, 78 invalid configuration.
 */
@Command(name = "tesela", mixinStandardHelpOptions = true, versionProvider = TeselaCli.VersionProvider.class,
        description = "Tesela image hosting.")
public final class TeselaCli implements Runnable {
    public static final int EXIT_CONFIG = 78;
    private static final Logger log = LoggerFactory.getLogger(TeselaCli.class);

    /** Injected by picocli: the CommandLine this instance runs in, whose streams are the ones passed to run(). */
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command. Try `tesela --help`.");
    }

    /** Runs one command line; returns the exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CliEnvironment cli = new CliEnvironment(env, out, err);
        CommandLine cmd = new CommandLine(new TeselaCli())
                .addSubcommand(new ServeCommand(cli))
                .addSubcommand(new SiteCommands.Install(cli))
                .addSubcommand(new SiteCommands.DatabaseMigrate(cli))
                .addSubcommand(new SiteCommands.Version(cli))
                .addSubcommand(new SiteCommands.VersionInstalled(cli))
                .addSubcommand(new SiteCommands.SettingGet(cli))
                .addSubcommand(new SiteCommands.SettingUpdate(cli))
                .addSubcommand(new SiteCommands.PasswordReset(cli))
                .addSubcommand(new SiteCommands.ApiKeyCreate(cli));
        CommandLine tenants = new CommandLine(new TenantsCommands());
        TenantsCommands.subcommands(cli).forEach(tenants::addSubcommand);
        cmd.addSubcommand("tenants", tenants);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> switch (e) {
            case AppException app -> {
                err.println("Error: " + app.publicMessage());
                app.fieldErrors().forEach((field, message) -> {
                    if (!message.equals(app.publicMessage())) {
                        err.println("  " + field + ": " + message);
                    }
                });
                yield app.code().exitCode();
            }
            case ConfigException config -> {
                err.println(config.getMessage());
                yield EXIT_CONFIG;
            }
            default -> {
                log.error("Command failed", e);
                err.println("Error: " + e.getMessage());
                yield 1;
            }
        });
        return cmd.execute(args);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Tesela " + App.VERSION};
        }
    }
}
