package dev.tesela.media;

import dev.tesela.platform.web.Layout;
import java.util.List;

/**
 * Model of the viewer page.
 *
 * @param embeds groups of embed codes (direct links, HTML, BBCode, Markdown) for full size, medium and thumbnail
 * @param canDelete whether the visitor may delete the image (owner or moderator)
 * @param exif      the EXIF kept as data on the image (never the GPS position unless the site keeps it), in order
 */
public record ImagePage(
        Layout layout,
        String title,
        String description,
        String uploader,
        String imageUrl,
        int width,
        int height,
        String fileUrl,
        String sizeFormatted,
        String mediaType,
        String createdAt,
        String expiresAt,
        List<String> tags,
        List<EmbedGroup> embeds,
        String publicId,
        boolean canDelete,
        java.util.Map<String, String> exif) {

    /** One kind of embed code, e.g. "HTML medium linked". */
    public record EmbedGroup(String label, List<Embed> codes) {
        /** The code's label without the group's name in front: "Medium linked" for "BBCode medium linked". */
        public String shortLabel(Embed embed) {
            String prefix = label + " ";
            if (!embed.label().startsWith(prefix) || embed.label().length() == prefix.length()) {
                return embed.label();
            }
            String rest = embed.label().substring(prefix.length());
            return Character.toUpperCase(rest.charAt(0)) + rest.substring(1);
        }
    }

    public record Embed(String label, String code) {}
}
