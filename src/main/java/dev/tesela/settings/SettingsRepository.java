package dev.tesela.settings;

import static dev.tesela.platform.db.SchemaTables.tenantTable;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;

import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/** Rows of the tenant's {@code settings} and {@code variables} tables. */
final class SettingsRepository {
    private static final Table<Record> SETTINGS = tenantTable("settings");
    private static final Field<String> SETTING_KEY = field(name("setting_key"), String.class);
    private static final Field<String> SETTING_VALUE = field(name("setting_value"), String.class);
    private static final Field<String> VALUE_KIND = field(name("value_kind"), String.class);
    private static final Field<LocalDateTime> SETTING_UPDATED = field(name("updated_at"), LocalDateTime.class);

    private static final Table<Record> VARIABLES = tenantTable("variables");
    private static final Field<String> VAR_KEY = field(name("var_key"), String.class);
    private static final Field<String> VAR_VALUE = field(name("var_value"), String.class);
    private static final Field<LocalDateTime> VAR_UPDATED = field(name("updated_at"), LocalDateTime.class);

    Map<String, String> allSettings(DSLContext dsl) {
        Map<String, String> out = new HashMap<>();
        dsl.select(SETTING_KEY, SETTING_VALUE).from(SETTINGS).forEach(r -> out.put(r.value1(), r.value2()));
        return out;
    }

    Optional<String> setting(DSLContext dsl, String key) {
        return dsl.select(SETTING_VALUE).from(SETTINGS).where(SETTING_KEY.eq(key)).fetchOptional(SETTING_VALUE);
    }

    void putSetting(DSLContext dsl, String key, String value, String kind, LocalDateTime now) {
        int updated = dsl.update(SETTINGS).set(SETTING_VALUE, value).set(VALUE_KIND, kind).set(SETTING_UPDATED, now)
                .where(SETTING_KEY.eq(key)).execute();
        if (updated == 0) {
            dsl.insertInto(SETTINGS).set(SETTING_KEY, key).set(SETTING_VALUE, value).set(VALUE_KIND, kind)
                    .set(SETTING_UPDATED, now).execute();
        }
    }

    Optional<String> variable(DSLContext dsl, String key) {
        return dsl.select(VAR_VALUE).from(VARIABLES).where(VAR_KEY.eq(key)).fetchOptional(VAR_VALUE);
    }

    /** Inserts a variable; fails with a constraint violation when it already exists (used as a once-only marker). */
    void insertVariable(DSLContext dsl, String key, String value, LocalDateTime now) {
        dsl.insertInto(VARIABLES).set(VAR_KEY, key).set(VAR_VALUE, value).set(VAR_UPDATED, now).execute();
    }

    void putVariable(DSLContext dsl, String key, String value, LocalDateTime now) {
        int updated = dsl.update(VARIABLES).set(VAR_VALUE, value).set(VAR_UPDATED, now).where(VAR_KEY.eq(key)).execute();
        if (updated == 0) {
            insertVariable(dsl, key, value, now);
        }
    }

    /** The variables among {@code keys} that exist, in one query. */
    Map<String, String> variables(DSLContext dsl, java.util.Collection<String> keys) {
        Map<String, String> out = new HashMap<>();
        dsl.select(VAR_KEY, VAR_VALUE).from(VARIABLES).where(VAR_KEY.in(keys)).forEach(r -> out.put(r.value1(), r.value2()));
        return out;
    }
}
