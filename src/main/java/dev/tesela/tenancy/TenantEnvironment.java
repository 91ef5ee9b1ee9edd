package dev.tesela.tenancy;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.security.SecretBox;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The env and limits of tenants and plans: sealing them for storage (AES-256-GCM, bound to their owner) and
 * merging what applies, highest first: TESELA_TENANT_ENFORCED, the tenant's own values, its plan's. Also reads the
 * env keys that matter to the registry itself, such as a tenant's own encryption key. Thread-safe.
 */
final class TenantEnvironment {
    /** Tenant env key: the tenant's own key material (base64 of 32 bytes), from which its keys are derived. */
    static final String ENCRYPTION_KEY = "TESELA_ENCRYPTION_KEY";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PlanRepository plans;
    private final SecretBox secrets;
    private final TeselaConfig.Enforced enforced;
    private final Map<String, String> enforcedEnv;

    TenantEnvironment(PlanRepository plans, SecretBox secrets, TeselaConfig.Enforced enforced) {
        this.plans = plans;
        this.secrets = secrets;
        this.enforced = enforced;
        this.enforcedEnv = Map.copyOf(parseEnv(enforced.envJson()));
    }

    PlanRepository plans() {
        return plans;
    }

    /** The tenant's own env, opened. */
    Map<String, String> tenantEnv(TenantRepository.Row row) {
        return open(tenantAad(row.id()), row.envSealed());
    }

    /** A plan as callers see it, env opened. */
    PlanRecord plan(PlanRepository.Row row) {
        return new PlanRecord(
                row.id(), row.limitsJson(), open(planAad(row.id()), row.envSealed()), row.createdAt(), row.updatedAt());
    }

    /** The env that applies to a tenant on {@code planId} (may be null) whose own env is {@code tenantEnv}. */
    Map<String, String> effectiveEnv(String planId, Map<String, String> tenantEnv) {
        return effectiveEnv(planOf(planId), tenantEnv);
    }

    /** The env that applies to a tenant on {@code plan} (already read) whose own env is {@code tenantEnv}. */
    Map<String, String> effectiveEnv(Optional<PlanRecord> plan, Map<String, String> tenantEnv) {
        Map<String, String> env = new TreeMap<>(plan.map(PlanRecord::env).orElse(Map.of()));
        env.putAll(tenantEnv);
        env.putAll(enforcedEnv);
        return env;
    }

    /** The limits JSON that applies to a tenant on {@code plan} whose own limits are {@code tenantLimits}; null when none. */
    String effectiveLimits(Optional<PlanRecord> plan, String tenantLimits) {
        return mergeObjects(plan.map(PlanRecord::limitsJson).orElse(null), tenantLimits, enforced.limitsJson());
    }

    /**
     * The tenant's own key material when its effective env has {@value #ENCRYPTION_KEY}, else empty (its keys are
     * then derived from the installation's master key).
     */
    Optional<byte[]> tenantKey(TenantRepository.Row row) {
        return tenantKey(planOf(row.planId()), row);
    }

    /** As {@link #tenantKey(TenantRepository.Row)}, with the row's plan already read. */
    Optional<byte[]> tenantKey(Optional<PlanRecord> plan, TenantRepository.Row row) {
        String value = effectiveEnv(plan, tenantEnv(row)).get(ENCRYPTION_KEY);
        return value == null
                ? Optional.empty()
                : Optional.of(decodeKey(value)
                        .orElseThrow(() ->
                                new IllegalStateException("tenant " + row.id() + " has an invalid " + ENCRYPTION_KEY)));
    }

    /** Why {@code value} cannot be a tenant's {@value #ENCRYPTION_KEY}, if it cannot. */
    static Optional<String> keyProblem(String value) {
        return decodeKey(value).isPresent()
                ? Optional.empty()
                : Optional.of(
                        ENCRYPTION_KEY + " must be the base64 of 32 random bytes (e.g. openssl rand -base64 32).");
    }

    private static Optional<byte[]> decodeKey(String value) {
        try {
            byte[] key = Base64.getDecoder().decode(value.strip());
            return key.length == 32 ? Optional.of(key) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The plan {@code planId} (null: none), read now, env opened; empty when it does not exist. */
    Optional<PlanRecord> planOf(String planId) {
        return Optional.ofNullable(planId).flatMap(plans::byId).map(this::plan);
    }

    byte[] sealTenantEnv(String tenantId, Map<String, String> env) {
        return seal(tenantAad(tenantId), env);
    }

    byte[] sealPlanEnv(String planId, Map<String, String> env) {
        return seal(planAad(planId), env);
    }

    private byte[] seal(String aad, Map<String, String> env) {
        if (env == null || env.isEmpty()) {
            return null;
        }
        try {
            return secrets.seal(JSON.writeValueAsBytes(new TreeMap<>(env)), aad);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> open(String aad, byte[] sealed) {
        if (sealed == null) {
            return Map.of();
        }
        JsonNode node = JSON.readTree(new String(secrets.open(sealed, aad), StandardCharsets.UTF_8));
        Map<String, String> env = new TreeMap<>();
        node.properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
        return env;
    }

    private static String tenantAad(String id) {
        return "tesela/tenant/" + id + "/env";
    }

    private static String planAad(String id) {
        return "tesela/plan/" + id + "/env";
    }

    /**
     * Merges JSON objects key by key, later ones winning; a null value removes the key. Null when the result is
     * empty. One that is not a JSON object (stored before the registry checked its input) is skipped.
     */
    static String mergeObjects(String... objects) {
        var merged = JSON.createObjectNode();
        for (String json : objects) {
            if (json == null) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(json);
            } catch (JacksonException e) {
                node = null;
            }
            if (node == null || !node.isObject()) {
                org.slf4j.LoggerFactory.getLogger(TenantEnvironment.class)
                        .warn("Skipped stored limits that are not a JSON object");
                continue;
            }
            node.properties().forEach(e -> {
                if (e.getValue().isNull()) {
                    merged.remove(e.getKey());
                } else {
                    merged.set(e.getKey(), e.getValue());
                }
            });
        }
        return merged.isEmpty() ? null : JSON.writeValueAsString(merged);
    }

    /** Parses {@code json} as a JSON object of scalar values into strings (for --env). */
    static Map<String, String> parseEnv(String json) {
        if (json == null || json.isBlank() || json.strip().equals("null")) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) {
            throw AppException.invalid("env", "The env is not valid JSON.");
        }
        if (node == null || !node.isObject()) {
            throw AppException.invalid("env", "The env must be a JSON object of names to values.");
        }
        Map<String, String> env = new TreeMap<>();
        for (var e : node.properties()) {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw AppException.invalid(
                        "env", "The env value of '" + e.getKey() + "' must be a string, number or boolean.");
            }
            env.put(e.getKey(), e.getValue().asString());
        }
        return env;
    }
}
