package dev.tesela.site;

import static dev.tesela.platform.db.schema.tenant.Tables.PAGES;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.jobs.TenantStatistics;
import java.util.Map;

/** The site feature's counters for a tenant's statistics: its pages. */
public final class SiteStatistics implements TenantStatistics {

    @Override
    public void count(RequestContext rc, Map<String, Long> into) {
        into.put("pages", (long) rc.db().dsl().fetchCount(PAGES));
    }
}
