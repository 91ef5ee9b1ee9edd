package dev.tesela.settings;

import dev.tesela.account.Access;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.SiteSettings;
import dev.tesela.platform.context.SiteState;
import dev.tesela.platform.context.TenantChanges;
import dev.tesela.platform.db.TenantDb;
import dev.tesela.platform.db.Times;
import dev.tesela.platform.error.AppException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tenant's settings (admin-editable, validated, with defaults) and variables (internal state such as the
 * installed version). Reads of settings come from the tenant runtime's snapshot ({@code rc.tenant().settings()}),
 * which {@link #loadState} fills; a change is written to the tenant's tables and announced, so every instance
 * replaces the tenant's runtime. Tables are reached only through {@code rc.db()}.
 */
public final class SettingsService {
    private static final SettingsRepository REPOSITORY = new SettingsRepository();
    private final TenantChanges changes;
    private final Clock clock;

    public SettingsService(TenantChanges changes, Clock clock) {
        this.changes = changes;
        this.clock = clock;
    }

    /**
     * Reads a tenant's settings (stored, else defaults) and install markers: two queries. The tenant directory calls
     * it (as a {@link SiteState.Loader}) the first time a runtime's state is needed.
     */
    public static SiteState loadState(TenantDb db) {
        Map<String, String> stored = REPOSITORY.allSettings(db.dsl());
        Map<String, String> values = new LinkedHashMap<>();
        SettingsCatalog.ALL.forEach((key, def) -> values.put(key, stored.getOrDefault(key, def.defaultValue())));
        Map<String, String> variables =
                REPOSITORY.variables(db.dsl(), List.of(SiteState.INSTALLED_VERSION, SiteState.ID_SALT));
        return new SiteState(
                new SiteSettings(values),
                Optional.ofNullable(variables.get(SiteState.INSTALLED_VERSION)),
                Optional.ofNullable(variables.get(SiteState.ID_SALT)));
    }

    /** The value of {@code key}, from the tenant's settings snapshot. Throws NOT_FOUND for a key no site has. */
    public String get(RequestContext rc, String key) {
        definition(key);
        return rc.tenant().settings().text(key);
    }

    /** Every known setting with its current value, in catalogue order. */
    public Map<String, String> all(RequestContext rc) {
        return rc.tenant().settings().asMap();
    }

    /**
     * Validates and stores {@code value}, then announces the change (every instance replaces the tenant's runtime;
     * {@code rc} keeps the snapshot it was made with); returns the stored (normalised) value. Admins and the system only.
     */
    public String update(RequestContext rc, String key, String value) {
        Access.require(rc, Access.Action.CHANGE_SETTINGS, Access.Resource.SITE);
        SettingDefinition def = definition(key);
        SettingDefinition.Result result = def.normalise(value);
        if (result.value().isEmpty()) {
            throw AppException.invalid(key, "Setting '" + key + "' " + result.error() + ".");
        }
        REPOSITORY.putSetting(
                rc.db().dsl(),
                key,
                result.value().get(),
                def.kind().name().toLowerCase(java.util.Locale.ROOT),
                Times.utc(clock.instant()));
        if (!rc.db().inTransaction()) {
            changes.changed(rc.tenant().id());
        }
        return result.value().get();
    }

    /** Stores every default; part of installing a site (on the caller's transaction, see {@code Tx}). */
    public void seedDefaults(RequestContext rc) {
        var now = Times.utc(clock.instant());
        SettingsCatalog.ALL.forEach((key, def) -> REPOSITORY.putSetting(
                rc.db().dsl(), key, def.defaultValue(), def.kind().name().toLowerCase(java.util.Locale.ROOT), now));
    }

    /** A variable as stored now (read from the tenant's tables, not the snapshot). */
    public Optional<String> variable(RequestContext rc, String key) {
        return REPOSITORY.variable(rc.db().dsl(), key);
    }

    /** Inserts a variable; fails if it exists (a once-only marker). */
    public void insertVariable(RequestContext rc, String key, String value) {
        REPOSITORY.insertVariable(rc.db().dsl(), key, value, Times.utc(clock.instant()));
    }

    public void putVariable(RequestContext rc, String key, String value) {
        REPOSITORY.putVariable(rc.db().dsl(), key, value, Times.utc(clock.instant()));
    }

    /** Announces that the tenant of {@code rc} changed (callers that wrote through a transaction, once it committed). */
    public void announceChange(RequestContext rc) {
        changes.changed(rc.tenant().id());
    }

    private static SettingDefinition definition(String key) {
        SettingDefinition def = SettingsCatalog.ALL.get(key);
        if (def == null) {
            throw AppException.notFound("Unknown setting '" + key + "'.");
        }
        return def;
    }
}
