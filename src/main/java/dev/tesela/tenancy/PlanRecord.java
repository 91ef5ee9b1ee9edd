package dev.tesela.tenancy;

import java.time.Instant;
import java.util.Map;

/** A plan: limits (JSON object or null) and env overrides (decrypted; empty when none) shared by its tenants. */
public record PlanRecord(String id, String limitsJson, Map<String, String> env, Instant createdAt, Instant updatedAt) {}
