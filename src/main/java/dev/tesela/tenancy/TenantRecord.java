package dev.tesela.tenancy;

import dev.tesela.platform.db.TenantPlacement;
import java.time.Instant;
import java.util.Map;

/**
 * A tenant as the registry holds it. {@code limitsJson} and {@code env} are the tenant's own values (JSON object or
 * null; decrypted map, empty when none). {@code effectiveLimitsJson} and {@code effectiveEnv} are what applies:
 * the plan's values, overridden by the tenant's, overridden by TESELA_TENANT_ENFORCED. {@code updatedAt} and
 * {@code lastJobAt} may be null. {@code placement} says where its tables are (fixed at provisioning).
 */
public record TenantRecord(
        String id,
        String hostname,
        String planId,
        String limitsJson,
        Map<String, String> env,
        boolean enabled,
        Instant createdAt,
        Instant updatedAt,
        Instant lastJobAt,
        String effectiveLimitsJson,
        Map<String, String> effectiveEnv,
        TenantPlacement placement) {}
