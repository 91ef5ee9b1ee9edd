package dev.tesela.tenancy;

import dev.tesela.platform.context.TenantLimits.Limit;
import java.util.EnumMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a tenant's effective limits JSON (plan &lt; tenant &lt; enforced) into typed limits, for the tenant runtime
 * the directory makes ({@link dev.tesela.platform.context.Limits}). In single-site mode the only source is
 * {@code TESELA_TENANT_ENFORCED}.
 *
 * <p>Values follow {@link Limit#parse}; 0 means "no limit". The registry refuses anything else when limits are
 * stored; what is found stored anyway is skipped and logged (see {@link #parse}).
 */
final class RegistryLimits {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RegistryLimits.class);

    private RegistryLimits() {}

    /**
     * The limits of one effective limits JSON object. Never throws: what does not follow {@link Limit#parse} (stored
     * before the registry checked limits, or set in TESELA_TENANT_ENFORCED) is skipped, meaning "no limit", and
     * logged, so a bad stored value never breaks a tenant's uploads or sign-ups.
     *
     * @param tenantId for the log only
     */
    static Map<Limit, Long> parse(String tenantId, String json) {
        Map<Limit, Long> out = new EnumMap<>(Limit.class);
        if (json == null || json.isBlank()) {
            return out;
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (RuntimeException e) {
            log.warn("Tenant {}: its limits are not valid JSON; none applied", tenantId);
            return out;
        }
        if (node == null || !node.isObject()) {
            log.warn("Tenant {}: its limits are not a JSON object; none applied", tenantId);
            return out;
        }
        for (var entry : node.properties()) {
            var limit = Limit.byKey(entry.getKey());
            if (limit.isEmpty()) {
                log.warn("Tenant {}: '{}' in its limits is not a limit; ignored", tenantId, entry.getKey());
                continue;
            }
            if (entry.getValue().isNull()) {
                continue;
            }
            try {
                long value = limit.get().parse(TenantValues.scalar(entry.getValue()));
                if (value > 0) {
                    out.put(limit.get(), value);
                }
            } catch (IllegalArgumentException e) {
                log.warn("Tenant {}: {} Not applied (no limit) until it is corrected.", tenantId, e.getMessage());
            }
        }
        return out;
    }
}
