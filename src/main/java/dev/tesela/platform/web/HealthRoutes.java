package dev.tesela.platform.web;

import dev.tesela.platform.metrics.Metrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Installation-level endpoints: {@code /healthz} (the process is up), {@code /readyz} (every dependency
 * answers; 503 otherwise) and {@code /metrics} (Prometheus text format).
 *
 * <p>{@code /readyz} answers within {@link #CHECK_DEADLINE} (plus rendering) whatever its dependencies do: the checks
 * run in parallel on virtual threads, and one that has not answered by the deadline counts as {@code "timeout"}.
 * A check still running from an earlier request is joined rather than started again, so polling {@code /readyz}
 * while a dependency hangs cannot pile up threads. Each check's state is shown: {@code ok}, {@code unreachable}
 * (it answered no, or failed) or {@code timeout}. Thread-safe.
 */
public final class HealthRoutes implements Routes {
    /** How long /readyz waits for its checks, together: under the 1 s a load balancer's probe may allow. */
    static final Duration CHECK_DEADLINE = Duration.ofMillis(800);

    private final Map<String, BooleanSupplier> checks;
    private final Map<String, Supplier<String>> info;
    private final Metrics metrics;
    private final java.util.function.Predicate<Context> showsDetails;
    /** Per check, its latest run; a run not yet done is joined by the next request instead of started again. */
    private final Map<String, CompletableFuture<Boolean>> runs = new ConcurrentHashMap<>();

    /**
     * @param checks       dependency name → reachability check (e.g. "database", "redis"); each may block, and should
     *                     give up by itself within a few seconds (the pool wait, the Redis command timeout)
     * @param info         facts shown on /readyz (version, image engine), each read when shown: the image engine is
     *                     chosen on first use, which may be this request
     * @param showsDetails whether a request may see {@code info} and {@code /metrics} (see {@link #detailsFor})
     */
    public HealthRoutes(
            Map<String, BooleanSupplier> checks,
            Map<String, Supplier<String>> info,
            Metrics metrics,
            java.util.function.Predicate<Context> showsDetails) {
        this.checks = checks;
        this.info = info;
        this.metrics = metrics;
        this.showsDetails = showsDetails;
    }

    /**
     * {@code showsDetails} for a deployment: in provider mode, or in the {@code saas} context, only requests to
     * {@code internalHostname} (tenants never see versions or internals of the host); everyone otherwise (a single
     * self-hosted site).
     */
    public static java.util.function.Predicate<Context> detailsFor(boolean restricted, String internalHostname) {
        return restricted ? ctx -> internalHostname.equals(WebKeys.hostname(ctx)) : ctx -> true;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/healthz", ctx -> ctx.contentType("text/plain").result("ok"));
        routes.get("/readyz", ctx -> {
            Map<String, Object> body = new LinkedHashMap<>();
            if (showsDetails.test(ctx)) {
                info.forEach((name, value) -> body.put(name, value.get()));
            }
            Map<String, String> results = check();
            boolean ready = results.values().stream().allMatch("ok"::equals);
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

    /** Every check's state, in the order of {@code checks}, within {@link #CHECK_DEADLINE}. */
    Map<String, String> check() {
        Map<String, CompletableFuture<Boolean>> started = new LinkedHashMap<>();
        for (var check : checks.entrySet()) {
            started.put(
                    check.getKey(),
                    runs.compute(
                            check.getKey(),
                            (name, running) -> running != null && !running.isDone() ? running : run(check.getValue())));
        }
        long deadline = System.nanoTime() + CHECK_DEADLINE.toNanos();
        Map<String, String> results = new LinkedHashMap<>();
        for (var run : started.entrySet()) {
            String state;
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                state = run.getValue().get(left, TimeUnit.NANOSECONDS) ? "ok" : "unreachable";
            } catch (TimeoutException e) {
                state = "timeout";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                state = "timeout";
            } catch (ExecutionException e) {
                state = "unreachable";
            }
            results.put(run.getKey(), state);
        }
        return results;
    }

    private static CompletableFuture<Boolean> run(BooleanSupplier check) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread.ofVirtual().name("readyz-check").start(() -> {
            try {
                result.complete(check.getAsBoolean());
            } catch (RuntimeException e) {
                result.complete(false);
            }
        });
        return result;
    }
}
