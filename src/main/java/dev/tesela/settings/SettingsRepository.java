package dev.tesela.settings;

import static dev.tesela.platform.db.schema.tenant.Tables.SETTINGS;
import static dev.tesela.platform.db.schema.tenant.Tables.VARIABLES;

import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;

/** Rows of the tenant's {@code settings} and {@code variables} tables. */
final class SettingsRepository {
    Map<String, String> allSettings(DSLContext dsl) {
        Map<String, String> out = new HashMap<>();
        dsl.select(SETTINGS.SETTING_KEY, SETTINGS.SETTING_VALUE)
                .from(SETTINGS)
                .forEach(r -> out.put(r.value1(), r.value2()));
        return out;
    }

    Optional<String> setting(DSLContext dsl, String key) {
        return dsl.select(SETTINGS.SETTING_VALUE)
                .from(SETTINGS)
                .where(SETTINGS.SETTING_KEY.eq(key))
                .fetchOptional(SETTINGS.SETTING_VALUE);
    }

    void putSetting(DSLContext dsl, String key, String value, String kind, LocalDateTime now) {
        int updated = dsl.update(SETTINGS)
                .set(SETTINGS.SETTING_VALUE, value)
                .set(SETTINGS.VALUE_KIND, kind)
                .set(SETTINGS.UPDATED_AT, now)
                .where(SETTINGS.SETTING_KEY.eq(key))
                .execute();
        if (updated == 0) {
            dsl.insertInto(SETTINGS)
                    .set(SETTINGS.SETTING_KEY, key)
                    .set(SETTINGS.SETTING_VALUE, value)
                    .set(SETTINGS.VALUE_KIND, kind)
                    .set(SETTINGS.UPDATED_AT, now)
                    .execute();
        }
    }

    Optional<String> variable(DSLContext dsl, String key) {
        return dsl.select(VARIABLES.VAR_VALUE)
                .from(VARIABLES)
                .where(VARIABLES.VAR_KEY.eq(key))
                .fetchOptional(VARIABLES.VAR_VALUE);
    }

    /** Inserts a variable; fails with a constraint violation when it already exists (used as a once-only marker). */
    void insertVariable(DSLContext dsl, String key, String value, LocalDateTime now) {
        dsl.insertInto(VARIABLES)
                .set(VARIABLES.VAR_KEY, key)
                .set(VARIABLES.VAR_VALUE, value)
                .set(VARIABLES.UPDATED_AT, now)
                .execute();
    }

    void putVariable(DSLContext dsl, String key, String value, LocalDateTime now) {
        int updated = dsl.update(VARIABLES)
                .set(VARIABLES.VAR_VALUE, value)
                .set(VARIABLES.UPDATED_AT, now)
                .where(VARIABLES.VAR_KEY.eq(key))
                .execute();
        if (updated == 0) {
            insertVariable(dsl, key, value, now);
        }
    }

    /** The variables among {@code keys} that exist, in one query. */
    Map<String, String> variables(DSLContext dsl, java.util.Collection<String> keys) {
        Map<String, String> out = new HashMap<>();
        dsl.select(VARIABLES.VAR_KEY, VARIABLES.VAR_VALUE)
                .from(VARIABLES)
                .where(VARIABLES.VAR_KEY.in(keys))
                .forEach(r -> out.put(r.value1(), r.value2()));
        return out;
    }
}
