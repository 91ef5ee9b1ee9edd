package dev.tesela.platform.config;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed reads over a flat key/value source. Every failed read records a {@link ConfigProblem} and returns
 * the default, so a whole config can be read in one pass and all problems reported together by
 * {@link #throwIfProblems()}.
 */
public final class ConfigReader {
    private final Map<String, String> source;
    private final List<ConfigProblem> problems = new ArrayList<>();

    public ConfigReader(Map<String, String> source) {
        this.source = source;
    }

    /** The raw value, or empty when unset or blank. */
    public Optional<String> raw(String key) {
        String value = source.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String string(String key, String fallback) {
        return raw(key).orElse(fallback);
    }

    public int integer(String key, int fallback, int min, int max) {
        return parse(
                key,
                fallback,
                text -> {
                    int value = Integer.parseInt(text);
                    if (value < min || value > max) {
                        throw new IllegalArgumentException("must be between " + min + " and " + max + ", got " + value);
                    }
                    return value;
                },
                "a whole number");
    }

    public boolean bool(String key, boolean fallback) {
        return parse(
                key,
                fallback,
                text -> switch (text.toLowerCase(Locale.ROOT)) {
                    case "1", "true", "yes", "on" -> true;
                    case "0", "false", "no", "off" -> false;
                    default ->
                        throw new IllegalArgumentException(
                                "must be 1/0, true/false, yes/no or on/off, got '" + text + "'");
                },
                "a boolean");
    }

    public <E extends Enum<E>> E oneOf(String key, E fallback, Function<String, E> byName, String allowed) {
        return parse(
                key,
                fallback,
                text -> {
                    E value = byName.apply(text);
                    if (value == null) {
                        throw new IllegalArgumentException("must be one of " + allowed + ", got '" + text + "'");
                    }
                    return value;
                },
                allowed);
    }

    public Path path(String key, String fallback) {
        return parse(key, Path.of(fallback), Path::of, "a file system path");
    }

    /** A URL whose scheme is one of {@code schemes}; empty when unset. */
    public Optional<URI> uri(String key, String... schemes) {
        Optional<String> text = raw(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = URI.create(text.get());
            if (uri.getScheme() == null
                    || !List.of(schemes).contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                problem(key, "must be a URL starting with " + String.join(":// or ", schemes) + "://");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (IllegalArgumentException e) {
            problem(key, "is not a valid URL");
            return Optional.empty();
        }
    }

    /** Base64 (standard or URL alphabet) of exactly {@code length} bytes; empty when unset. */
    public Optional<byte[]> base64Key(String key, int length) {
        Optional<String> text = raw(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text.get());
        } catch (IllegalArgumentException e) {
            try {
                bytes = Base64.getUrlDecoder().decode(text.get());
            } catch (IllegalArgumentException e2) {
                problem(key, "must be base64 (e.g. the output of `openssl rand -base64 " + length + "`)");
                return Optional.empty();
            }
        }
        if (bytes.length != length) {
            problem(
                    key,
                    "must decode to exactly " + length + " bytes, got " + bytes.length
                            + " (make one with `openssl rand -base64 " + length + "`)");
            return Optional.empty();
        }
        return Optional.of(bytes);
    }

    public void problem(String key, String message) {
        problems.add(new ConfigProblem(key, message));
    }

    public List<ConfigProblem> problems() {
        return List.copyOf(problems);
    }

    public void throwIfProblems() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private <T> T parse(String key, T fallback, Function<String, T> parser, String expected) {
        Optional<String> text = raw(key);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            return parser.apply(text.get());
        } catch (NumberFormatException | InvalidPathException e) {
            problem(key, "must be " + expected + ", got '" + text.get() + "'");
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
        }
        return fallback;
    }
}
