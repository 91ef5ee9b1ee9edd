package dev.tesela.settings;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.db.Times;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import dev.tesela.platform.db.TenantDatabases;
import org.jooq.DSLContext;

/**
 * A tenant's settings (admin-editable, validated, with defaults) and variables (internal state such as the
 * installed version). Tables are reached only through the tenant's DSLContext.
 */
public final class SettingsService {
    private final TenantDatabases databases;
    private final SettingsRepository repository = new SettingsRepository();
    private final Clock clock;

    public SettingsService(TenantDatabases databases, Clock clock) {
        this.databases = databases;
        this.clock = clock;
    }

    /** The value of {@code key}: stored, else its default. Throws NOT_FOUND for a key no site has. */
    public String get(RequestContext rc, String key) {
        SettingDefinition def = definition(key);
        return repository.setting(databases.of(rc), key).orElse(def.defaultValue());
    }

    /** Every known setting with its current value, in catalogue order. */
    public Map<String, String> all(RequestContext rc) {
        Map<String, String> stored = repository.allSettings(databases.of(rc));
        Map<String, String> out = new LinkedHashMap<>();
        SettingsCatalog.ALL.forEach((key, def) -> out.put(key, stored.getOrDefault(key, def.defaultValue())));
        return out;
    }

    /** Validates and stores {@code value}; returns the stored (normalised) value. Admins and the system only. */
    public String update(RequestContext rc, String key, String value) {
        if (!rc.principal().isAdmin()) {
            throw AppException.forbidden("Only administrators can change settings.");
        }
        SettingDefinition def = definition(key);
        SettingDefinition.Result result = def.normalise(value);
        if (result.value().isEmpty()) {
            throw AppException.invalid(key, "Setting '" + key + "' " + result.error() + ".");
        }
        repository.putSetting(databases.of(rc), key, result.value().get(), def.kind().name().toLowerCase(java.util.Locale.ROOT),
                Times.utc(clock.instant()));
        return result.value().get();
    }

    /** Stores every default; part of installing a site. Runs on the caller's transaction {@code dsl}. */
    public void seedDefaults(DSLContext dsl) {
        var now = Times.utc(clock.instant());
        SettingsCatalog.ALL.forEach((key, def) ->
                repository.putSetting(dsl, key, def.defaultValue(), def.kind().name().toLowerCase(java.util.Locale.ROOT), now));
    }

    public Optional<String> variable(RequestContext rc, String key) {
        return repository.variable(databases.of(rc), key);
    }

    /** Inserts a variable on the caller's transaction; fails if it exists (a once-only marker). */
    public void insertVariable(DSLContext dsl, String key, String value) {
        repository.insertVariable(dsl, key, value, Times.utc(clock.instant()));
    }

    public void putVariable(DSLContext dsl, String key, String value) {
        repository.putVariable(dsl, key, value, Times.utc(clock.instant()));
    }

    private static SettingDefinition definition(String key) {
        SettingDefinition def = SettingsCatalog.ALL.get(key);
        if (def == null) {
            throw AppException.notFound("Unknown setting '" + key + "'.");
        }
        return def;
    }
}
