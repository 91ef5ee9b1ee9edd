package dev.tesela.platform.web;

import io.javalin.http.Context;
import jakarta.servlet.http.Part;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the temp files a multipart request spilled to disk as soon as its handler is done, rather than whenever
 * the container gets round to it: an upload that was refused must leave no file behind, and right away.
 */
public final class MultipartCleanup {
    private static final Logger log = LoggerFactory.getLogger(MultipartCleanup.class);

    private MultipartCleanup() {}

    /** Deletes every part of {@code ctx}'s multipart body; does nothing for other requests. Never throws. */
    public static void deleteParts(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.startsWith("multipart/form-data")) {
            return;
        }
        try {
            for (Part part : ctx.req().getParts()) {
                part.delete();
            }
        } catch (IOException | RuntimeException | jakarta.servlet.ServletException e) {
            log.debug("Could not delete multipart parts: {}", e.toString());
        }
    }
}
