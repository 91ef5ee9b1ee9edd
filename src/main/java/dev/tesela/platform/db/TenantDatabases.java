package dev.tesela.platform.db;

import dev.tesela.platform.context.RequestContext;
import org.jooq.DSLContext;

/**
 * Hands out the DSLContext of a tenant. The only way services reach tenant tables: whatever the isolation mode,
 * the context returned renders that tenant's tables (on its server, in its own database when it has one, under
 * its prefix) and nobody else's.
 */
public final class TenantDatabases {
    private final DatabaseServers servers;

    public TenantDatabases(DatabaseServers servers) {
        this.servers = servers;
    }

    /** The DSLContext rendering the tables at {@code placement} (the tenant directory makes runtimes' data handles with it). */
    public DSLContext of(TenantPlacement placement) {
        return servers.server(placement.server()).tenantDsl(placement.database(), placement.tablePrefix());
    }

    /**
     * The DSLContext of the caller's tenant: {@code rc.db().dsl()}, bound to the caller's transaction when it runs in
     * one. Kept for services not yet reading {@code rc.db()} themselves.
     */
    public DSLContext of(RequestContext rc) {
        return rc.db().dsl();
    }
}
