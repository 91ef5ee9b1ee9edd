package dev.tesela.media;

import dev.tesela.platform.web.Layout;

/**
 * Model of the delete-link page: asks for confirmation (a GET never deletes, so link previewers and prefetchers
 * cannot remove an image), then reports the outcome.
 *
 * @param thumbUrl null once deleted
 */
public record DeletePage(Layout layout, String title, String thumbUrl, String actionPath, boolean deleted) {}
