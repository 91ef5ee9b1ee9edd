package dev.tesela.architecture.planted.platform.db;

/** A "current tenant" kept in a ThreadLocal: forbidden. */
public final class CurrentTenant {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    static String get() {
        return CURRENT.get();
    }
}
