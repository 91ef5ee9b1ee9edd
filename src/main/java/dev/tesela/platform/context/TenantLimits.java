package dev.tesela.platform.context;

import java.util.OptionalLong;

/**
 * What a tenant may consume (port). Values come from the tenant's effective limits (plan &lt; tenant &lt;
 * {@code TESELA_TENANT_ENFORCED}); services check them where things are created and fail with
 * {@code LIMIT_REACHED}, naming the limit. Implementations cache and are thread-safe.
 */
public interface TenantLimits {

    /** The limit for {@code tenant}; empty when there is none (absent, or 0 as in "unlimited"). */
    OptionalLong of(TenantContext tenant, Limit limit);

    /**
     * Refuses with LIMIT_REACHED when {@code current} things already reach {@code limit} (so one more would exceed
     * it). For minimums use {@link #of} directly.
     */
    default void requireRoomFor(TenantContext tenant, Limit limit, long current) {
        OptionalLong max = of(tenant, limit);
        if (max.isPresent() && current >= max.getAsLong()) {
            throw new dev.tesela.platform.error.AppException(dev.tesela.platform.error.ErrorCode.LIMIT_REACHED,
                    "Maximum " + limit.label() + " reached (limit " + max.getAsLong() + ").");
        }
    }

    /** No limits at all. */
    TenantLimits NONE = (tenant, limit) -> OptionalLong.empty();

    /** Every limit, with the key it has in a plan's or tenant's limits JSON. */
    enum Limit {
        USERS("TESELA_MAX_USERS", "users"),
        ADMINS("TESELA_MAX_ADMINS", "administrators"),
        MANAGERS("TESELA_MAX_MANAGERS", "managers"),
        FILES("TESELA_MAX_FILES", "files"),
        ALBUMS("TESELA_MAX_ALBUMS", "albums"),
        TAGS("TESELA_MAX_TAGS", "tags"),
        TAGS_PER_FILE("TESELA_MAX_TAGS_PER_FILE", "tags per file"),
        CATEGORIES("TESELA_MAX_CATEGORIES", "categories"),
        PAGES("TESELA_MAX_PAGES", "pages"),
        STORAGES("TESELA_MAX_STORAGES", "storages"),
        /** Bytes; accepts 20M, 1G, ... */
        UPLOAD_SIZE("TESELA_MAX_UPLOAD_SIZE", "upload size"),
        LISTING_ITEMS_PER_PAGE("TESELA_MAX_LISTING_ITEMS_PER_PAGE", "listing items per page"),
        /** A minimum, not a maximum: uploads are blocked until this many external storages are active. */
        MIN_STORAGES_ACTIVE("TESELA_MIN_STORAGES_ACTIVE", "active external storages");

        private final String key;
        private final String label;

        Limit(String key, String label) {
            this.key = key;
            this.label = label;
        }

        public String key() {
            return key;
        }

        /** Plural noun for messages ("Maximum files reached (limit 100)."). */
        public String label() {
            return label;
        }
    }
}
