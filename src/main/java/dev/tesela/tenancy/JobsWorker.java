package dev.tesela.tenancy;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.jobs.TenantJob;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every enabled tenant's periodic jobs when they are due: each tenant at most once per its interval (effective
 * env {@value #INTERVAL_KEY}, seconds, default 300), tenants that waited longest first. Safe with several workers on
 * several instances: a run is claimed with one conditional UPDATE of the tenant's {@code last_job_at}, so exactly one
 * worker gets it; if that worker dies mid-run, the tenant is simply due again one interval later (jobs are
 * idempotent), so no work is lost for good. A failing job is logged and does not stop the others or other tenants.
 */
public final class JobsWorker {
    public static final String INTERVAL_KEY = "TESELA_SCHEDULER_INTERVAL";
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);
    /** Longest interval a tenant or plan may set: a day. */
    static final Duration MAX_INTERVAL = Duration.ofDays(1);

    private static final Logger log = LoggerFactory.getLogger(JobsWorker.class);

    private final TenantRegistry registry;
    private final TenantDirectory directory;
    private final List<TenantJob> jobs;
    private final Function<TenantContext, RequestContext> systemContext;
    private final Duration defaultInterval;

    /** @param defaultInterval a tenant's interval when its effective env does not set {@value #INTERVAL_KEY} */
    public JobsWorker(
            TenantRegistry registry,
            TenantDirectory directory,
            List<TenantJob> jobs,
            Function<TenantContext, RequestContext> systemContext,
            Duration defaultInterval) {
        this.defaultInterval = defaultInterval;
        this.registry = registry;
        this.directory = directory;
        this.jobs = List.copyOf(jobs);
        this.systemContext = systemContext;
    }

    /** What happened to one tenant in a pass. */
    public enum Outcome {
        RAN,
        NOT_DUE,
        NOT_INSTALLED,
        FAILED
    }

    /**
     * One pass over the due tenants ({@code onlyId}: just that one). Returns each tenant's outcome, in order. With
     * {@code force}, the interval is ignored (still claimed, so two forced workers do not both run).
     */
    public Map<String, Outcome> runOnce(Optional<String> onlyId, boolean force) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (TenantRecord tenant : registry.enabledByLastJob()) {
            if (onlyId.isPresent() && !onlyId.get().equals(tenant.id())) {
                continue;
            }
            Duration interval = force ? Duration.ZERO : interval(tenant, defaultInterval);
            if (!registry.claimJobRun(tenant.id(), interval)) {
                outcomes.put(tenant.id(), Outcome.NOT_DUE);
                continue;
            }
            outcomes.put(tenant.id(), runJobs(tenant));
        }
        return outcomes;
    }

    /** Passes every {@code pollEvery} until {@code stop} says so. */
    public void runUntil(Duration pollEvery, BooleanSupplier stop) throws InterruptedException {
        while (!stop.getAsBoolean()) {
            try {
                runOnce(Optional.empty(), false);
            } catch (RuntimeException e) {
                log.warn("Jobs pass failed: {}", e.toString());
            }
            Thread.sleep(pollEvery);
        }
    }

    private Outcome runJobs(TenantRecord tenant) {
        Optional<TenantContext> context = directory.byId(tenant.id());
        if (context.isEmpty()) {
            return Outcome.FAILED;
        }
        RequestContext rc = systemContext.apply(context.get());
        boolean isInstalled = rc.tenant().installed();
        Outcome outcome = isInstalled ? Outcome.RAN : Outcome.NOT_INSTALLED;
        for (TenantJob job : jobs) {
            if (!isInstalled && !job.name().equals("stats")) {
                continue; // an uninstalled site has no tables worth working on; stats records that it has none
            }
            try {
                job.run(rc);
            } catch (RuntimeException e) {
                log.warn("Job {} of tenant {} failed: {}", job.name(), tenant.id(), e.toString());
                outcome = Outcome.FAILED;
            }
        }
        return outcome;
    }

    static Duration interval(TenantRecord tenant, Duration defaultInterval) {
        String value = tenant.effectiveEnv().get(INTERVAL_KEY);
        if (value == null) {
            return defaultInterval;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            return seconds > 0 ? Duration.ofSeconds(seconds) : defaultInterval;
        } catch (NumberFormatException e) {
            return defaultInterval;
        }
    }
}
