package dev.tesela.media;

import dev.tesela.platform.web.Layout;

/**
 * Model of the upload page.
 *
 * @param maxBytes the largest file this visitor may send (the page refuses bigger ones before sending)
 */
public record UploadPage(Layout layout, boolean allowed, long maxBytes, String maxSizeLabel) {}
