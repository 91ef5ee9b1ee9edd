package dev.tesela.architecture.planted.platform.web;

import dev.tesela.architecture.planted.App;
import dev.tesela.architecture.planted.account.AccountView;
import dev.tesela.architecture.planted.storage.BlobPort;
import io.javalin.http.Context;

/** The planted web platform: may read the Host header and use the storage port; must not know features or App. */
public final class PlantedEdge {
    String host(Context ctx) {
        return ctx.header("Host"); // allowed here
    }

    String mentions() {
        return "dev.tesela.architecture.planted.media in a string is no dependency";
    }

    void store(BlobPort port) {
        port.put("allowed: a port");
    }

    String feature(AccountView view) {
        return view.name(); // violation: a feature type
    }

    Object root() {
        return new App(); // violation: App
    }
}
