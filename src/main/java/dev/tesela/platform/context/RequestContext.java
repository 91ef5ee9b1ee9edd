package dev.tesela.platform.context;

/**
 * Everything a service needs to know about the caller, passed explicitly as the first argument of every
 * service method. Immutable. Built by the web edges, the CLI or the job worker; services never know which.
 */
public record RequestContext(TenantContext tenant, Principal principal, String requestId, String clientIp) {

    /** A context for the CLI or a background job acting on {@code tenant}. */
    public static RequestContext system(TenantContext tenant, String requestId) {
        return new RequestContext(tenant, Principal.SYSTEM, requestId, "127.0.0.1");
    }

    public RequestContext withPrincipal(Principal p) {
        return new RequestContext(tenant, p, requestId, clientIp);
    }
}
