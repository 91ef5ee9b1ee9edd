package dev.tesela.media;

import dev.tesela.platform.web.Layout;
import java.util.List;

/**
 * Model of the viewer page.
 *
 * @param embeds groups of embed codes (direct links, HTML, BBCode, Markdown) for full size, medium and thumbnail
 * @param canDelete whether the visitor may delete the image (owner or moderator)
 */
public record ImagePage(Layout layout, String title, String description, String uploader, String imageUrl,
                        int width, int height, String fileUrl, String sizeFormatted, String mediaType, String createdAt,
                        String expiresAt, List<String> tags, List<EmbedGroup> embeds, String publicId, boolean canDelete,
                        boolean justDeleted) {

    /** One kind of embed code, e.g. "HTML medium linked". */
    public record EmbedGroup(String label, List<Embed> codes) {}

    public record Embed(String label, String code) {}
}
