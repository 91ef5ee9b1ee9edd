package dev.tesela.architecture.planted;

import dev.tesela.architecture.planted.media.MediaService;

/** The planted composition root: making a service here is allowed. */
public final class App {
    MediaService media() {
        return new MediaService("allowed: App makes services");
    }
}
