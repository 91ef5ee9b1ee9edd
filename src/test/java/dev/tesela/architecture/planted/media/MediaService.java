package dev.tesela.architecture.planted.media;

import org.jooq.DSLContext;

/** A service whose public method takes a DSLContext (forbidden); its own static factory may call its constructor. */
public final class MediaService {
    private final TagRepository tags = new TagRepository();

    public MediaService(String why) {
        if (why.isEmpty()) {
            throw new IllegalArgumentException();
        }
    }

    public static MediaService create() {
        return new MediaService("allowed: the service's own factory");
    }

    public int count(Object rc, DSLContext dsl) {
        return tags.count() + (dsl == null ? 0 : 1);
    }

    int internal(DSLContext dsl) {
        return dsl == null ? 0 : 1; // allowed: not public
    }
}
