package dev.tesela.platform.config;

/** Who runs the installation. {@code SAAS} hides everything that would let a site owner touch the host. */
public enum DeploymentContext {
    SELF_HOSTED("self-hosted"),
    SAAS("saas");

    private final String key;

    DeploymentContext(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The context named {@code key}, or null when there is none. */
    public static DeploymentContext byKey(String key) {
        for (DeploymentContext c : values()) {
            if (c.key.equalsIgnoreCase(key)) {
                return c;
            }
        }
        return null;
    }
}
