package dev.tesela.tenancy;

import java.time.Instant;
import java.util.Map;

/**
 * A tenant as the registry holds it. {@code limitsJson} is a JSON object (or null); {@code env} the decrypted
 * environment overrides (empty when none). {@code updatedAt} and {@code lastJobAt} may be null.
 */
public record TenantRecord(String id, String hostname, String planId, String limitsJson, Map<String, String> env,
                           boolean enabled, Instant createdAt, Instant updatedAt, Instant lastJobAt) {}
