package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.platform.config.ConfigException;
import dev.tesela.platform.error.AppException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code tesela <command>}: the root of the command line. Exit codes: 0 success, 1 error, 2 bad usage, 3 site not
 * installed, 5 already installed, 78 invalid configuration.
 */
@Command(
        name = "tesela",
        mixinStandardHelpOptions = true,
        versionProvider = TeselaCli.VersionProvider.class,
        description = "Tesela image hosting.",
        scope = ScopeType.INHERIT) // every subcommand takes --help and --version
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

    /**
     * Runs one command line; returns the exit code. The command wires what it needs from {@code env} and closes it;
     * {@code version}, {@code --help} and {@code config-check} wire nothing.
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, new CliEnvironment(env, out, err, Optional.empty()));
    }

    /**
     * Runs one command line on {@code app}, which the caller wired from {@code env} (only {@code TESELA_TENANT} may
     * differ) and closes: for running many commands in one process, as tests do. Parsing, output and exit codes are
     * those of {@link #run(String[], Map, PrintStream, PrintStream)}; {@code serve} still wires its own.
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, App app) {
        return run(args, new CliEnvironment(env, out, err, Optional.of(app)));
    }

    /** As {@link #run(String[], Map, PrintStream, PrintStream, App)}, with {@code in} as standard input. */
    public static int run(
            String[] args, Map<String, String> env, java.io.InputStream in, PrintStream out, PrintStream err, App app) {
        return run(args, new CliEnvironment(env, in, out, err, Optional.of(app)));
    }

    private static int run(String[] args, CliEnvironment cli) {
        PrintStream out = cli.out();
        PrintStream err = cli.err();
        CommandLine cmd = new CommandLine(new TeselaCli());
        List<Object> commands = List.of(
                new ServeCommand(cli),
                new ConfigCheck(cli),
                new SiteCommands.Install(cli),
                new SiteCommands.DatabaseMigrate(cli),
                new SiteCommands.Version(cli),
                new SiteCommands.VersionInstalled(cli),
                new SiteCommands.SettingGet(cli),
                new SiteCommands.SettingUpdate(cli),
                new SiteCommands.PasswordReset(cli),
                new SiteCommands.ApiKeyCreate(cli),
                new StorageMoveCommand(cli),
                new StorageCommands.Add(cli),
                new StorageCommands.ListStorages(cli),
                new StorageCommands.Test(cli),
                new StorageCommands.Edit(cli),
                new StorageCommands.Delete(cli),
                new TenantsCommands());
        for (Object command : invoked(commands, args, 0)) {
            if (command instanceof TenantsCommands) {
                CommandLine tenants = new CommandLine(command);
                invoked(TenantsCommands.subcommands(cli), args, 1).forEach(tenants::addSubcommand);
                cmd.addSubcommand("tenants", tenants);
            } else {
                cmd.addSubcommand(command);
            }
        }
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

    /**
     * The commands to register for {@code args}: only the one named at {@code position} when there is one (picocli
     * builds a command's model by reflection when it is registered, ~1 ms each; the whole tree cost a command line
     * 10-15 ms of CPU), else all of them, for help, usage errors and suggestions. Parsing is the same either way:
     * picocli dispatches on the first argument that names a subcommand.
     */
    private static List<Object> invoked(List<Object> commands, String[] args, int position) {
        if (args.length > position) {
            for (Object command : commands) {
                if (command.getClass().getAnnotation(Command.class).name().equals(args[position])) {
                    return List.of(command);
                }
            }
        }
        return commands;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Tesela " + App.VERSION};
        }
    }
}
