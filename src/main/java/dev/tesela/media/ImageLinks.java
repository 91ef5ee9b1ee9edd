package dev.tesela.media;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Where an image can be reached, from one site base URL (scheme + host, no trailing slash) and the base of its files'
 * direct links. The database keeps storage keys only; every URL is computed here.
 *
 * <p>Direct links: {@code <filesBase><key>}. A storage with a public URL (bucket website or CDN) has its files linked
 * there; any other storage through this site, {@code <baseUrl>/images/<key>}, which keeps working for every image
 * whatever its storage (so links published before a move stay valid).
 *
 * @param filesBase what a file's key is appended to, ending in '/' ({@link #of} makes it)
 */
public record ImageLinks(String baseUrl, String filesBase, String publicId, StoredImage image) {
    static final String FILES_PATH = "/images/";

    /**
     * The links of {@code image} on the site at {@code baseUrl}, whose storage has {@code publicUrl} (empty: its files
     * are served through the site).
     */
    public static ImageLinks of(String baseUrl, Optional<String> publicUrl, String publicId, StoredImage image) {
        String filesBase = publicUrl
                .filter(url -> !url.isBlank())
                .map(url -> url.endsWith("/") ? url : url + "/")
                .orElse(baseUrl + FILES_PATH);
        return new ImageLinks(baseUrl, filesBase, publicId, image);
    }

    public String fileUrl(String storageKey) {
        return filesBase + storageKey;
    }

    public String url() {
        return fileUrl(image.storageKey());
    }

    public String thumbUrl() {
        return image.variant("thumb").map(v -> fileUrl(v.storageKey())).orElse(url());
    }

    public String mediumUrl() {
        return image.variant("medium").map(v -> fileUrl(v.storageKey())).orElse(null);
    }

    /** The URL to show the image with: the medium when there is one, else the thumb for big files, else the file. */
    public String displayUrl() {
        if (image.variant("medium").isPresent()) {
            return mediumUrl();
        }
        return image.byteSize() > 200_000 && image.variant("thumb").isPresent() ? thumbUrl() : url();
    }

    /** Path of the viewer page, with the SEO slug of the title: {@code /image/sunset-over-the-bay.Gs}. */
    public String pathViewer() {
        String slug = slug(image.title());
        return "/image/" + (slug.isEmpty() ? "" : slug + ".") + publicId;
    }

    public String urlViewer() {
        return baseUrl + pathViewer();
    }

    public String urlShort() {
        return baseUrl + "/image/" + publicId;
    }

    public String deleteUrl(String secret) {
        return baseUrl + "/image/" + publicId + "/delete/" + secret;
    }

    /** Lower-case words joined by '-', URL-safe; empty for a missing title. */
    static String slug(String title) {
        if (title == null) {
            return "";
        }
        String s = java.text.Normalizer.normalize(title, java.text.Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "")
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}]+", "-")
                .replaceAll("(^-+|-+$)", "");
        if (s.length() > 60) {
            s = s.substring(0, 60).replaceAll("-+$", "");
        }
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
