package dev.tesela.platform.context;

/**
 * One resolved site. {@code tablePrefix} is the prefix of this tenant's tables in the shared database;
 * services never read it: it reaches SQL only through the DSLContext handed out for this tenant.
 * {@code keys} holds secrets derived for this tenant alone, so a token minted for one tenant fails on another.
 */
public record TenantContext(String id, String tablePrefix, TenantKeys keys) {
    public static final String DEFAULT_ID = "default";
}
