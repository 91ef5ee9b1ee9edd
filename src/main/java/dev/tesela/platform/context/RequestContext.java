package dev.tesela.platform.context;

import dev.tesela.platform.db.TenantDb;

/**
 * Everything a service needs to know about the caller, passed explicitly as the first argument of every
 * service method. Immutable. Built by the web edges, the CLI or the job worker; services never know which.
 * {@code tenant} is the tenant's runtime; {@link #db()} is the way to its tables.
 */
public record RequestContext(TenantContext tenant, Principal principal, String requestId, String clientIp) {

    /** A context for the CLI or a background job acting on {@code tenant}. */
    public static RequestContext system(TenantContext tenant, String requestId) {
        return new RequestContext(tenant, Principal.SYSTEM, requestId, "127.0.0.1");
    }

    public RequestContext withPrincipal(Principal p) {
        return new RequestContext(tenant, p, requestId, clientIp);
    }

    /** The tenant's data handle: free, or bound to the transaction this context runs in (see {@code Tx}). */
    public TenantDb db() {
        return tenant.db();
    }

    /** This context with its tenant's data handle replaced (used by {@code Tx} to bind a transaction). */
    public RequestContext withDb(TenantDb db) {
        return new RequestContext(tenant.withDb(db), principal, requestId, clientIp);
    }
}
