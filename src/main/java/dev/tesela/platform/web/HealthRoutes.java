package dev.tesela.platform.web;

import dev.tesela.platform.metrics.Metrics;
import io.javalin.config.RoutesConfig;
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

    /**
     * @param checks dependency name → reachability check (e.g. "database", "redis")
     * @param info   facts shown on /readyz (version, image engine)
     */
    public HealthRoutes(Map<String, BooleanSupplier> checks, Map<String, String> info, Metrics metrics) {
        this.checks = checks;
        this.info = info;
        this.metrics = metrics;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/healthz", ctx -> ctx.contentType("text/plain").result("ok"));
        routes.get("/readyz", ctx -> {
            Map<String, Object> body = new LinkedHashMap<>(info);
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
        routes.get("/metrics", ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
    }
}
