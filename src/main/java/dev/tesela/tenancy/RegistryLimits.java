package dev.tesela.tenancy;

import dev.tesela.platform.cache.FlushableCache;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantLimits;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tenant limits read from the registry (effective limits: plan &lt; tenant &lt; enforced), cached per tenant for a
 * short time and dropped whenever the registry changes (the cache bus calls {@link #invalidateAll()}). In single-site
 * mode the only source is {@code TESELA_TENANT_ENFORCED}.
 *
 * <p>Values are whole numbers, or for sizes numbers with a K, M or G suffix (binary units). 0, negative or
 * unreadable values mean "no limit" (ignored here, so a typo never locks a site out).
 */
public final class RegistryLimits implements TenantLimits {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Function<String, String> effectiveLimitsJson;
    private final FlushableCache<String, Map<Limit, Long>> cache = new FlushableCache<>(50_000, Duration.ofSeconds(60));

    /** @param effectiveLimitsJson tenant id → its effective limits JSON object (or null) */
    public RegistryLimits(Function<String, String> effectiveLimitsJson) {
        this.effectiveLimitsJson = effectiveLimitsJson;
    }

    /** Limits from one fixed JSON object for every tenant (single-site mode: TESELA_TENANT_ENFORCED's limits). */
    public static RegistryLimits fixed(String limitsJson) {
        return new RegistryLimits(id -> limitsJson);
    }

    @Override
    public OptionalLong of(TenantContext tenant, Limit limit) {
        Long value = cache.get(tenant.id(), id -> parse(effectiveLimitsJson.apply(id))).get(limit);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    public void invalidateAll() {
        cache.invalidateAll();
    }

    static Map<Limit, Long> parse(String json) {
        Map<Limit, Long> out = new EnumMap<>(Limit.class);
        if (json == null || json.isBlank()) {
            return out;
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (RuntimeException e) {
            return out;
        }
        for (Limit limit : Limit.values()) {
            JsonNode v = node.get(limit.key());
            if (v == null || v.isNull()) {
                continue;
            }
            long value = v.isNumber() ? v.asLong() : size(v.asString());
            if (value > 0) {
                out.put(limit, value);
            }
        }
        return out;
    }

    /** "20M" → 20 MiB; plain digits → that number; anything else → 0 (no limit). */
    static long size(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith("K")) {
            unit = 1024;
        } else if (s.endsWith("M")) {
            unit = 1024 * 1024;
        } else if (s.endsWith("G")) {
            unit = 1024L * 1024 * 1024;
        }
        if (unit > 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(s.strip()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            return 0;
        }
    }
}
