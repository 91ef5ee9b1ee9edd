package dev.tesela.platform.context;

/** Port: maps a request's host name (lower case, without port) to its tenant. Implemented by tenancy; used by the web edge only. */
public interface TenantResolver {
    /** What a host name resolves to. */
    sealed interface Resolution {
        record Found(TenantContext tenant) implements Resolution {}

        /** The host belongs to a tenant that is switched off: nothing of its content may be served. */
        record Disabled(String tenantId) implements Resolution {}

        /**
         * The host belongs to a tenant that cannot be served by this installation as configured (its database
         * server is not among TESELA_DB_SERVERS): nothing of it is served; {@code reason} is for the log only.
         */
        record Unavailable(String tenantId, String reason) implements Resolution {}

        /** No tenant has this host name (or it is the provider's internal host name). */
        record Unknown() implements Resolution {}
    }

    Resolution resolve(String hostname);
}
