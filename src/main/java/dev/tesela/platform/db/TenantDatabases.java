package dev.tesela.platform.db;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
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

    public DSLContext of(TenantContext tenant) {
        TenantPlacement placement = tenant.placement();
        return servers.server(placement.server()).tenantDsl(placement.database(), placement.tablePrefix());
    }

    public DSLContext of(RequestContext rc) {
        return of(rc.tenant());
    }
}
