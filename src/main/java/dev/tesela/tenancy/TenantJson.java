package dev.tesela.tenancy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** The JSON shapes of a tenant and a plan, shared by the Tenants CLI and the Tenants API. */
public final class TenantJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TenantJson() {}

    /**
     * A tenant with the values that apply (limits and env: plan &lt; tenant &lt; TESELA_TENANT_ENFORCED; env
     * decrypted), its last statistics ({@code stats}: null when never counted or not installed) and where its tables
     * are ({@code database}).
     */
    public static Map<String, Object> tenant(TenantRecord t, Optional<Map<String, Long>> stats) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", t.id());
        out.put("hostname", t.hostname());
        out.put("is_enabled", t.enabled());
        out.put("plan_id", t.planId());
        out.put("limits", storedObject(t.effectiveLimitsJson()));
        out.put("env", t.effectiveEnv().isEmpty() ? null : t.effectiveEnv());
        out.put("stats", stats.orElse(null));
        out.put("database", database(t.placement()));
        out.put("created_at", t.createdAt() == null ? null : t.createdAt().toString());
        out.put("updated_at", t.updatedAt() == null ? null : t.updatedAt().toString());
        out.put("last_job_at", t.lastJobAt() == null ? null : t.lastJobAt().toString());
        return out;
    }

    /** Where the tenant's tables are: {@code isolation} table or database, the server, the database (null in table isolation), the prefix. */
    private static Map<String, Object> database(dev.tesela.platform.db.TenantPlacement placement) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("isolation", placement.ownDatabase() ? "database" : "table");
        out.put("server", placement.server());
        out.put("name", placement.database());
        out.put("table_prefix", placement.tablePrefix());
        return out;
    }

    /**
     * A stored JSON object as a tree; null for none, and for text that is not a JSON object (stored before the
     * registry checked its input), so that listing such a plan or tenant still works.
     */
    private static tools.jackson.databind.JsonNode storedObject(String json) {
        if (json == null) {
            return null;
        }
        try {
            var node = JSON.readTree(json);
            return node != null && node.isObject() ? node : null;
        } catch (tools.jackson.core.JacksonException e) {
            return null;
        }
    }

    public static Map<String, Object> plan(PlanRecord p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", p.id());
        out.put("limits", storedObject(p.limitsJson()));
        out.put("env", p.env().isEmpty() ? null : p.env());
        out.put("created_at", p.createdAt() == null ? null : p.createdAt().toString());
        out.put("updated_at", p.updatedAt() == null ? null : p.updatedAt().toString());
        return out;
    }
}
