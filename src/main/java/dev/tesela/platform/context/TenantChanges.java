package dev.tesela.platform.context;

/**
 * Port: announces that something about a tenant changed (its registry row, plan, settings, install state,
 * storages), so every instance replaces that tenant's runtime. Implemented by the tenant directory and its cache bus.
 * Callers announce after their change committed. Thread-safe; never throws (a lost announcement is caught up when
 * cached runtimes expire).
 */
@FunctionalInterface
public interface TenantChanges {
    void changed(String tenantId);

    /** Announces nothing (tests that build services by hand). */
    TenantChanges NONE = tenantId -> {};
}
