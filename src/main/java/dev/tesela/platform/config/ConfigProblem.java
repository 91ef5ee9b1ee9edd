package dev.tesela.platform.config;

/** One invalid configuration value: the key as the operator wrote it and what is wrong with it. */
public record ConfigProblem(String key, String message) {
    @Override
    public String toString() {
        return key + ": " + message;
    }
}
