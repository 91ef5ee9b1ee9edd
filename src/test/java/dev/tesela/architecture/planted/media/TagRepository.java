package dev.tesela.architecture.planted.media;

/** A package-private repository, used only by its own package: allowed. */
final class TagRepository {
    int count() {
        return 0;
    }
}
