package dev.tesela.platform.context;

import dev.tesela.platform.db.TenantPlacement;

/**
 * One resolved site. {@code placement} says where this tenant's tables live (server, own database or not, table
 * prefix); services never read it: it reaches SQL only through the DSLContext handed out for this tenant.
 * {@code keys} holds secrets derived for this tenant alone, so a token minted for one tenant fails on another.
 */
public record TenantContext(String id, TenantPlacement placement, TenantKeys keys) {
    public static final String DEFAULT_ID = "default";
}
