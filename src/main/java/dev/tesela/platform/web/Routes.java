package dev.tesela.platform.web;

import io.javalin.config.RoutesConfig;

/** A feature's route table: registers its handlers (and any edge it owns) on the server. */
public interface Routes {
    void register(RoutesConfig routes);
}
