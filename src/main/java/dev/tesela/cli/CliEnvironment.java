package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.platform.config.ConfigLoader;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every command runs with: the environment it reads configuration from, the streams it writes to and, for
 * callers that run many commands in one process (tests), an application they wired and keep. Passed in rather than
 * read from System so commands run in-process in tests.
 *
 * @param in     standard input (a secret given as {@code --secret -})
 * @param shared an application to run every command on instead of wiring one per command; never closed here. Its
 *               configuration must be the one {@code env} describes (only {@code TESELA_TENANT}, which the CLI reads
 *               itself, may differ).
 */
public record CliEnvironment(
        Map<String, String> env, java.io.InputStream in, PrintStream out, PrintStream err, Optional<App> shared) {

    /** Commands that read standard input ({@code storage-add --secret -}) read {@code System.in}. */
    public CliEnvironment(Map<String, String> env, PrintStream out, PrintStream err, Optional<App> shared) {
        this(env, System.in, out, err, shared);
    }

    /** The configuration from the environment; a {@code ConfigException} (exit 78) naming every bad key. */
    public TeselaConfig config() {
        return shared.map(App::config).orElseGet(() -> ConfigLoader.load(env));
    }

    /**
     * Runs {@code command} on the application: wired for this command alone ({@link App#forCommand}: a pool or Redis
     * connection only when the command uses it) and closed after it, or the shared one.
     */
    public <T> T withApp(Function<App, T> command) {
        if (shared.isPresent()) {
            return command.apply(shared.get());
        }
        try (App app = App.forCommand(ConfigLoader.load(env))) {
            return command.apply(app);
        }
    }

    /**
     * The tenant a command acts on: {@code --tenant}, else {@code TESELA_TENANT}, else the single-site tenant.
     */
    public TenantContext tenant(App app, String option) {
        String id = option != null && !option.isBlank() ? option : env.getOrDefault("TESELA_TENANT", "");
        if (id.isBlank()) {
            if (app.tenants().providerMode()) {
                throw new AppException(
                        ErrorCode.INVALID_INPUT,
                        "Provider mode is on: name the tenant with --tenant <id> or TESELA_TENANT=<id>.");
            }
            return app.defaultTenant();
        }
        return app.tenants()
                .byId(id)
                .orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "No tenant with id '" + id + "'."));
    }

    public RequestContext system(App app, String tenantOption) {
        return app.systemContext(tenant(app, tenantOption));
    }
}
