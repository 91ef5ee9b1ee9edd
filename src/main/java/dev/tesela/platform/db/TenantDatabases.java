package dev.tesela.platform.db;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import org.jooq.DSLContext;

/**
 * Hands out the DSLContext of a tenant. The only way services reach tenant tables: whatever the isolation mode,
 * the context returned renders that tenant's tables and nobody else's.
 */
public final class TenantDatabases {
    private final Database database;

    public TenantDatabases(Database database) {
        this.database = database;
    }

    public DSLContext of(TenantContext tenant) {
        return database.tenantDsl(tenant.tablePrefix());
    }

    public DSLContext of(RequestContext rc) {
        return of(rc.tenant());
    }
}
