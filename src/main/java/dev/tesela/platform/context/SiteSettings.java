package dev.tesela.platform.context;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of one tenant's settings: every known key with its stored value or its default, as read when the
 * tenant's runtime was made (a change replaces the runtime, and with it this snapshot). Values were validated when
 * they were saved (the settings catalogue), so the typed readers only convert. Asking for a key the catalogue does
 * not have is a programming error (IllegalArgumentException). Immutable, thread-safe.
 */
public final class SiteSettings {
    private final Map<String, String> values;

    /** @param values every catalogue key with its value, in catalogue order */
    public SiteSettings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The value of {@code key} as stored (text). */
    public String text(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("No setting '" + key + "'");
        }
        return value;
    }

    /** A boolean setting: "1" or "true" is on. */
    public boolean flag(String key) {
        String value = text(key);
        return "1".equals(value) || "true".equals(value);
    }

    /** A whole-number setting. */
    public int integer(String key) {
        return Integer.parseInt(text(key));
    }

    /** Every setting, in catalogue order (unmodifiable). */
    public Map<String, String> asMap() {
        return values;
    }
}
