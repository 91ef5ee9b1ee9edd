package dev.tesela.tenancy;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.jobs.TenantJob;
import dev.tesela.platform.jobs.TenantStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Refreshes a tenant's row in the control plane's {@code tenant_stats} from the counters each feature keeps of its
 * own data (users by role, files, albums, tags, categories, pages, storages, bytes stored, views and likes): this job
 * reads no feature's tables itself. A tenant that is not installed has no row.
 */
public final class TenantStatsJob implements TenantJob {
    private final TenantRegistry registry;
    private final List<TenantStatistics> features;

    public TenantStatsJob(TenantRegistry registry, List<TenantStatistics> features) {
        this.registry = registry;
        this.features = List.copyOf(features);
    }

    @Override
    public String name() {
        return "stats";
    }

    @Override
    public void run(RequestContext rc) {
        registry.putStats(rc.tenant().id(), rc.tenant().installed() ? Optional.of(count(rc)) : Optional.empty());
    }

    private Map<String, Long> count(RequestContext rc) {
        Map<String, Long> out = new LinkedHashMap<>();
        features.forEach(feature -> feature.count(rc, out));
        return out;
    }
}
