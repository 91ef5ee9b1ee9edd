package dev.tesela.platform.context;

import java.util.Optional;

/**
 * What a tenant's own tables say about it, read once per runtime (see {@link TenantContext#state}): its settings
 * and its install markers. {@code installedVersion} is empty for a site that is not installed; {@code idSalt} is the
 * salt of its public ids, made at install.
 */
public record SiteState(SiteSettings settings, Optional<String> installedVersion, Optional<String> idSalt) {
    /** Variable holding the version a site was installed with; its presence means "installed". */
    public static final String INSTALLED_VERSION = "installed_version";
    /** Variable holding the salt of the site's public ids. */
    public static final String ID_SALT = "id_salt";

    /**
     * Port: reads a tenant's state from its tables (implemented by the settings feature). Throws as the database does
     * when it cannot be read; the runtime then asks again on the next use.
     */
    @FunctionalInterface
    public interface Loader {
        SiteState load(dev.tesela.platform.db.TenantDb db);
    }
}
