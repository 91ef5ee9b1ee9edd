package dev.tesela.platform.jobs;

import dev.tesela.platform.context.RequestContext;
import java.util.Map;

/**
 * Port: one feature's part of a tenant's statistics, counted from that feature's own tables (the statistics job
 * asks every feature rather than reading their tables). Counters are named as in the control plane's
 * {@code tenant_stats} row ("users", "files", "storage_used", ...).
 */
@FunctionalInterface
public interface TenantStatistics {
    /** Puts this feature's counters of the tenant of {@code rc} into {@code into}. Read-only. */
    void count(RequestContext rc, Map<String, Long> into);
}
