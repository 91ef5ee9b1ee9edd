package dev.tesela.platform.web;

import dev.tesela.platform.metrics.Metrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Installation-level endpoints: {@code /healthz} (the process is up), {@code /readyz} (every dependency
 * answers; 503 otherwise) and {@code /metrics} (Prometheus text format).
 */
public final class HealthRoutes implements Routes {
    private final Map<String, BooleanSupplier> checks;
    private final Map<String, String> info;
    private final Metrics metrics;
    private final java.util.function.Predicate<Context> showsDetails;

    /**
     * @param checks       dependency name → reachability check (e.g. "database", "redis")
     * @param info         facts shown on /readyz (version, image engine)
     * @param showsDetails whether a request may see {@code info} and {@code /metrics}: always, except in the
     *                     {@code saas} context, where only the provider's internal host name does (tenants never
     *                     see versions or internals of the host)
     */
    public HealthRoutes(Map<String, BooleanSupplier> checks, Map<String, String> info, Metrics metrics,
                        java.util.function.Predicate<Context> showsDetails) {
        this.checks = checks;
        this.info = info;
        this.metrics = metrics;
        this.showsDetails = showsDetails;
    }

    /** {@code showsDetails} for a deployment: everyone, or in saas only requests to {@code internalHostname}. */
    public static java.util.function.Predicate<Context> detailsFor(boolean saas, String internalHostname) {
        return saas ? ctx -> internalHostname.equals(WebKeys.hostname(ctx)) : ctx -> true;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/healthz", ctx -> ctx.contentType("text/plain").result("ok"));
        routes.get("/readyz", ctx -> {
            Map<String, Object> body = showsDetails.test(ctx) ? new LinkedHashMap<>(info) : new LinkedHashMap<>();
            Map<String, String> results = new LinkedHashMap<>();
            boolean ready = true;
            for (var check : checks.entrySet()) {
                boolean ok;
                try {
                    ok = check.getValue().getAsBoolean();
                } catch (RuntimeException e) {
                    ok = false;
                }
                results.put(check.getKey(), ok ? "ok" : "unreachable");
                ready &= ok;
            }
            body.put("status", ready ? "ready" : "not ready");
            body.put("checks", results);
            ctx.status(ready ? 200 : 503).json(body);
        });
        routes.get("/metrics", ctx -> {
            if (!showsDetails.test(ctx)) {
                ctx.status(404).contentType("text/plain").result("Not found");
                return;
            }
            ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape());
        });
    }
}
