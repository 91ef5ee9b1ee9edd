package dev.tesela.platform.config;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown once at start-up with every invalid key, so the operator fixes them all in one pass. */
public final class ConfigException extends RuntimeException {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super("Invalid configuration:\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
