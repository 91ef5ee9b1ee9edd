package dev.tesela.architecture.planted.account;

import dev.tesela.architecture.planted.media.MediaRepository;

/** Another feature reaching into media's repository (which had to be made public to allow it). */
final class SneakyLookup {
    int count(MediaRepository media) {
        return media.count();
    }
}
