package dev.tesela.cli;

import dev.tesela.platform.config.ConfigLoader;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.db.Vendor;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code tesela config-check}: validates the configuration the way every command does and prints what it amounts to,
 * without opening the database or Redis (exit 78 naming every bad key, as for any command).
 */
@Command(
        name = "config-check",
        description = "Check the configuration (every bad key is named; exit code 78) "
                + "without connecting to anything, and print what it amounts to.")
final class ConfigCheck implements Callable<Integer> {
    private final CliEnvironment cli;

    ConfigCheck(CliEnvironment cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        TeselaConfig config = ConfigLoader.load(cli.env());
        cli.out().println("The configuration is valid.");
        cli.out().println("mode: " + (config.tenants().enabled() ? "provider" : "single-site"));
        cli.out()
                .println("database: "
                        + Vendor.fromJdbcUrl(config.db().url()).name().toLowerCase(Locale.ROOT)
                        + (config.db().servers().isEmpty()
                                ? ""
                                : " (and " + config.db().servers().size() + " more server(s))"));
        cli.out().println("sessions: " + (config.redisUrl().isPresent() ? "redis" : "database"));
        cli.out().println("data dir: " + config.dataDir().toAbsolutePath());
        cli.out()
                .println("listen: " + config.http().host() + ":" + config.http().port());
        return 0;
    }
}
