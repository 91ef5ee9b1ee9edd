package dev.tesela.platform.jobs;

import dev.tesela.platform.context.RequestContext;

/**
 * A piece of periodic work done for one tenant (purging expired uploads, refreshing statistics, ...). Runs with a
 * system context of that tenant. Must be idempotent: after an instance dies mid-run, the next run does it again.
 */
public interface TenantJob {
    /** Short stable name for logs and output ("storage-upkeep", "stats"). */
    String name();

    void run(RequestContext rc);
}
