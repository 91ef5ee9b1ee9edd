package dev.tesela.site;

/**
 * The attribution every site shows at {@code /powered-by}.
 *
 * @param providerName null when no provider is configured (a self-hosted site)
 * @param providerUrl  null when no provider is configured
 * @param showVersion  false in the saas context, where nothing about the host's software version is shown
 */
public record PoweredBy(String providerName, String providerUrl, String version, boolean showVersion) {}
