package dev.tesela.tenancy;

import java.util.Map;
import java.util.Optional;

/** Inputs of the TenantRegistry. */
public final class TenantCommands {
    private TenantCommands() {}

    /**
     * Create a tenant. {@code limitsJson} is a JSON object or null; {@code env} the environment overrides to store
     * encrypted (may be empty).
     */
    public record CreateTenant(String id, String hostname, boolean enabled, String planId, String limitsJson, Map<String, String> env) {}

    /** Change a tenant; empty fields are left as they are. {@code planId} "" removes the plan; {@code env} empty map clears it. */
    public record EditTenant(String id, Optional<String> hostname, Optional<Boolean> enabled, Optional<String> planId,
                             Optional<String> limitsJson, Optional<Map<String, String>> env) {}
}
