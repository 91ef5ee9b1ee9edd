package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.platform.config.ConfigLoader;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.io.PrintStream;
import java.util.Map;

/**
 * What every command runs with: the environment it reads configuration from and the streams it writes to.
 * Passed in rather than read from System so commands run in-process in tests.
 */
public record CliEnvironment(Map<String, String> env, PrintStream out, PrintStream err) {

    /** Wires the application from the environment's configuration. The caller closes it. */
    public App wire() {
        return App.wire(ConfigLoader.load(env));
    }

    /**
     * The tenant a command acts on: {@code --tenant}, else {@code TESELA_TENANT}, else the single-site tenant.
     */
    public TenantContext tenant(App app, String option) {
        String id = option != null && !option.isBlank() ? option : env.getOrDefault("TESELA_TENANT", "");
        if (id.isBlank()) {
            if (app.tenants.providerMode()) {
                throw new AppException(ErrorCode.INVALID_INPUT,
                        "Provider mode is on: name the tenant with --tenant <id> or TESELA_TENANT=<id>.");
            }
            return app.defaultTenant();
        }
        return app.tenants.byId(id).orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "No tenant with id '" + id + "'."));
    }

    public RequestContext system(App app, String tenantOption) {
        return app.systemContext(tenant(app, tenantOption));
    }
}
