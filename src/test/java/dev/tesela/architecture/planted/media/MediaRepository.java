package dev.tesela.architecture.planted.media;

/** A repository made public (forbidden) so that another feature can use it (forbidden too). */
public final class MediaRepository {
    public int count() {
        return 0;
    }
}
