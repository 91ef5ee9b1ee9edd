package dev.tesela.architecture.planted.cli;

import dev.tesela.architecture.planted.media.MediaService;

/** A command making services itself instead of getting them from App. */
final class PlantedCommand {
    Object run() {
        return new MediaService("violation: only App makes services");
    }

    Object viaFactory() {
        return MediaService.create(); // violation too
    }
}
