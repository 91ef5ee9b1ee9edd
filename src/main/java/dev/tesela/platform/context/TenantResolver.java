package dev.tesela.platform.context;

import java.util.Optional;

/** Port: maps a request's host name (without port) to its tenant. Implemented by tenancy; used by the web edge only. */
public interface TenantResolver {
    Optional<TenantContext> resolve(String hostname);
}
