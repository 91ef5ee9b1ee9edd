package dev.tesela.tenancy;

import dev.tesela.platform.context.TenantLimits.Limit;
import dev.tesela.storage.StorageLoader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rules for the {@code limits} and {@code env} of tenants and plans, in one place: the registry applies them to
 * every create and edit of a tenant or a plan, whoever asks (the Tenants API, the CLI). Problems are reported per
 * key, all at once, under field names {@code limits.<KEY>} and {@code env.<KEY>} (or {@code limits} / {@code env}
 * when the whole value is wrong). Stateless.
 */
final class TenantValues {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The env keys a tenant or plan may set: the ones something reads. Each maps a value to its problem, if any. */
    private static final Map<String, Function<String, Optional<String>>> ENV_KEYS = Map.of(
            Placements.ISOLATION,
            v -> Placements.keyProblem(Placements.ISOLATION, v),
            Placements.SERVER,
            v -> Placements.keyProblem(Placements.SERVER, v),
            Placements.NAME,
            v -> Placements.keyProblem(Placements.NAME, v),
            TenantEnvironment.ENCRYPTION_KEY,
            TenantEnvironment::keyProblem,
            JobsWorker.INTERVAL_KEY,
            TenantValues::intervalProblem,
            StorageLoader.LOCAL_STORAGE_KEY,
            StorageLoader::envProblem);

    private TenantValues() {}

    /**
     * Checks a limits JSON object and returns it in canonical form (compact JSON, keys and values as given), or
     * records the problems in {@code errors} and returns null. A {@code null} value is allowed: in a tenant's limits
     * it removes its plan's value for that key.
     */
    static String limits(String json, Map<String, String> errors) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) {
            errors.put("limits", "The limits are not valid JSON.");
            return null;
        }
        if (node == null || !node.isObject()) {
            errors.put("limits", "The limits must be a JSON object, such as {\"TESELA_MAX_USERS\": 10}.");
            return null;
        }
        int before = errors.size();
        for (var entry : node.properties()) {
            String key = entry.getKey();
            Optional<Limit> limit = Limit.byKey(key);
            if (limit.isEmpty()) {
                errors.put("limits." + key, "'" + key + "' is not a limit. The limits are " + Limit.keys() + ".");
                continue;
            }
            if (entry.getValue().isNull()) {
                continue;
            }
            try {
                limit.get().parse(scalar(entry.getValue()));
            } catch (IllegalArgumentException e) {
                errors.put("limits." + key, e.getMessage());
            }
        }
        return errors.size() == before ? JSON.writeValueAsString(node) : null;
    }

    /** Records in {@code errors} every key of {@code env} that is unknown or has a value its reader refuses. */
    static void env(Map<String, String> env, Map<String, String> errors) {
        for (var entry : env.entrySet()) {
            String key = entry.getKey();
            var rule = ENV_KEYS.get(key);
            if (rule == null) {
                errors.put(
                        "env." + key,
                        Limit.byKey(key).isPresent()
                                ? key + " is a limit: set it in the limits, not in the env."
                                : "'" + key + "' is not an env key Tesela reads for a tenant. The keys are "
                                        + String.join(", ", List.copyOf(new java.util.TreeSet<>(ENV_KEYS.keySet())))
                                        + ".");
                continue;
            }
            rule.apply(entry.getValue()).ifPresent(problem -> errors.put("env." + key, problem));
        }
    }

    /**
     * A limit value as {@link Limit#parse} takes it: the text of a JSON string, the number of a JSON number, the
     * node itself otherwise (refused, its JSON shown in the message).
     */
    static Object scalar(JsonNode value) {
        if (value.isString()) {
            return value.asString();
        }
        return value.isNumber() ? value.numberValue() : value;
    }

    private static Optional<String> intervalProblem(String value) {
        String text = value.strip();
        if (text.matches("[0-9]{1,9}")) {
            long seconds = Long.parseLong(text);
            if (seconds >= 1 && seconds <= JobsWorker.MAX_INTERVAL.toSeconds()) {
                return Optional.empty();
            }
        }
        return Optional.of(JobsWorker.INTERVAL_KEY + " must be whole seconds from 1 to "
                + JobsWorker.MAX_INTERVAL.toSeconds() + "; got '" + value + "'.");
    }
}
