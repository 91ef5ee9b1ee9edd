package dev.tesela.settings;

import java.util.List;
import java.util.Optional;

/**
 * One known setting: its kind, default and what values it accepts. Values are stored as text; booleans as
 * "1"/"0".
 */
record SettingDefinition(String key, Kind kind, String defaultValue, int min, int max, List<String> choices) {
    enum Kind {
        STRING,
        BOOL,
        INT,
        CHOICE
    }

    static SettingDefinition string(String key, String defaultValue, int maxLength) {
        return new SettingDefinition(key, Kind.STRING, defaultValue, 0, maxLength, List.of());
    }

    static SettingDefinition bool(String key, boolean defaultValue) {
        return new SettingDefinition(key, Kind.BOOL, defaultValue ? "1" : "0", 0, 1, List.of());
    }

    static SettingDefinition integer(String key, int defaultValue, int min, int max) {
        return new SettingDefinition(key, Kind.INT, Integer.toString(defaultValue), min, max, List.of());
    }

    static SettingDefinition choice(String key, String defaultValue, String... choices) {
        return new SettingDefinition(key, Kind.CHOICE, defaultValue, 0, 0, List.of(choices));
    }

    /** The canonical stored form of {@code raw}, or an error message when it is not acceptable. */
    Result normalise(String raw) {
        String value = raw == null ? "" : raw.strip();
        return switch (kind) {
            case STRING ->
                value.length() <= max ? Result.ok(value) : Result.error("must be at most " + max + " characters");
            case BOOL ->
                switch (value.toLowerCase(java.util.Locale.ROOT)) {
                    case "1", "true", "yes", "on" -> Result.ok("1");
                    case "0", "false", "no", "off" -> Result.ok("0");
                    default -> Result.error("must be 1 or 0 (true/false)");
                };
            case INT -> {
                try {
                    int n = Integer.parseInt(value);
                    yield n < min || n > max
                            ? Result.error("must be between " + min + " and " + max)
                            : Result.ok(Integer.toString(n));
                } catch (NumberFormatException e) {
                    yield Result.error("must be a whole number between " + min + " and " + max);
                }
            }
            case CHOICE ->
                choices.contains(value)
                        ? Result.ok(value)
                        : Result.error("must be one of " + String.join(", ", choices));
        };
    }

    record Result(Optional<String> value, String error) {
        static Result ok(String v) {
            return new Result(Optional.of(v), null);
        }

        static Result error(String e) {
            return new Result(Optional.empty(), e);
        }
    }
}
