package dev.tesela.platform.web;

import io.javalin.config.RoutesConfig;

/** A feature's route table: registers its handlers (and any edge it owns) on the server. */
public interface Routes {
    void register(RoutesConfig routes);

    /**
     * The direct path of {@link WebServer#FILES_PATH}, for the one feature that serves stored files (it registers the
     * same path in {@link #register} too: the full path); empty for every other.
     */
    default java.util.Optional<DirectFiles> directFiles() {
        return java.util.Optional.empty();
    }
}
