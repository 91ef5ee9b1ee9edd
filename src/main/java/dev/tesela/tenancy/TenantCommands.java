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
    public record CreateTenant(
            String id, String hostname, boolean enabled, String planId, String limitsJson, Map<String, String> env) {}

    /** Create or change a plan. For a change, empty fields are left as they are; "null" limits or an empty env clear them. */
    public record PlanChange(String id, Optional<String> limitsJson, Optional<Map<String, String>> env) {}

    /** Change a tenant; empty fields are left as they are. {@code planId} "" removes the plan; {@code env} empty map clears it. */
    public record EditTenant(
            String id,
            Optional<String> hostname,
            Optional<Boolean> enabled,
            Optional<String> planId,
            Optional<String> limitsJson,
            Optional<Map<String, String>> env) {}
}
