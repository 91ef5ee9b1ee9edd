package dev.tesela.platform.context;

import dev.tesela.platform.context.TenantLimits.Limit;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A tenant's effective limits (plan &lt; tenant &lt; {@code TESELA_TENANT_ENFORCED}), typed, as its runtime carries
 * them. A limit that is absent or 0 means "no limit". Immutable, thread-safe.
 */
public final class Limits {
    public static final Limits NONE = new Limits(Map.of());
    private final Map<Limit, Long> values;

    /** @param values each limit's value; 0 or absent: no limit */
    public Limits(Map<Limit, Long> values) {
        EnumMap<Limit, Long> copy = new EnumMap<>(Limit.class);
        values.forEach((limit, value) -> {
            if (value != null && value > 0) {
                copy.put(limit, value);
            }
        });
        this.values = copy;
    }

    /** The limit; empty when there is none. */
    public OptionalLong of(Limit limit) {
        Long value = values.get(limit);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * Refuses with LIMIT_REACHED when {@code current} things already reach {@code limit} (so one more would exceed
     * it). For minimums use {@link #of} directly.
     */
    public void requireRoomFor(Limit limit, long current) {
        OptionalLong max = of(limit);
        if (max.isPresent() && current >= max.getAsLong()) {
            throw new AppException(
                    ErrorCode.LIMIT_REACHED, "Maximum " + limit.label() + " reached (limit " + max.getAsLong() + ").");
        }
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
