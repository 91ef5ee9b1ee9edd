package dev.tesela.platform.context;

import dev.tesela.platform.db.TenantPlacement;

/**
 * One resolved site. {@code placement} says where this tenant's tables live (server, own database or not, table
 * prefix); services never read it: it reaches SQL only through the DSLContext handed out for this tenant.
 * {@code keys} holds secrets derived for this tenant alone, so a token minted for one tenant fails on another.
 * {@code hostname} is the site's public host name from configuration (TESELA_HOSTNAME, with its optional
 * {@code :port}, for the single site; the registered host name of a provider's tenant): absolute links are built
 * from it, never from a request's Host header.
 */
public record TenantContext(String id, TenantPlacement placement, TenantKeys keys, String hostname) {
    public static final String DEFAULT_ID = "default";
}
