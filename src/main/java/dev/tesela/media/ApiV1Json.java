package dev.tesela.media;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The body shapes of API v1 (the contract real clients such as ShareX, imgbb-uploader and editor plugins read):
 * the uploaded file's fields, the success envelope and the error envelope. Numeric ids, storage, paths and the
 * uploader's IP never appear.
 */
final class ApiV1Json {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private ApiV1Json() {}

    /** {@code {"status_code":200,"success":{...},"image":{...},"status_txt":"OK"}}; ImgBB mode uses "data" + "status". */
    static Map<String, Object> success(Map<String, Object> image, boolean imgbbMode) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status_code", 200);
        body.put("success", Map.of("message", "file uploaded", "code", 200));
        if (imgbbMode) {
            Map<String, Object> data = new LinkedHashMap<>(image);
            data.put("id", image.get("id_encoded"));
            body.put("data", data);
            body.put("status", 200);
        } else {
            body.put("image", image);
        }
        body.put("status_txt", "OK");
        return body;
    }

    static Map<String, Object> error(int httpStatus, String message, int appCode, boolean imgbbMode) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status_code", httpStatus);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("code", appCode);
        body.put("error", error);
        if (imgbbMode) {
            body.put("status", httpStatus);
        }
        body.put(
                "status_txt",
                switch (httpStatus) {
                    case 400 -> "Bad Request";
                    case 413 -> "Payload Too Large";
                    case 503 -> "Service Unavailable";
                    default -> "Internal Server Error";
                });
        return body;
    }

    /** The file record in its public form. */
    static Map<String, Object> image(ImageLinks links, String deleteSecret, Instant now) {
        StoredImage img = links.image();
        String filename = fileName(img.storageKey());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", baseName(filename));
        m.put("extension", img.extension());
        m.put("size", img.byteSize());
        m.put("width", img.width());
        m.put("height", img.height());
        m.put("date", DATE.format(img.createdAt()));
        m.put("date_gmt", DATE.format(img.createdAt()));
        m.put("title", img.title());
        m.put("tags", img.tags());
        m.put("description", img.description());
        m.put("nsfw", img.nsfw() ? 1 : 0);
        m.put("storage_mode", "datefolder".equals(storageModeOf(img.storageKey())) ? "datefolder" : "direct");
        m.put("md5", img.md5());
        m.put("source_md5", null);
        m.put("original_filename", img.originalFilename());
        m.put("original_exifdata", img.exifJson());
        m.put("views", img.views());
        m.put("category_id", img.categoryId());
        m.put(
                "chain",
                4
                        | (img.variant("medium").isPresent() ? 2 : 0)
                        | (img.variant("thumb").isPresent() ? 1 : 0));
        m.put(
                "thumb_size",
                img.variant("thumb").map(StoredImage.Variant::byteSize).orElse(0L));
        m.put(
                "medium_size",
                img.variant("medium").map(StoredImage.Variant::byteSize).orElse(0L));
        m.put("frame_size", 0);
        m.put("expiration_date_gmt", img.expiresAt() == null ? null : DATE.format(img.expiresAt()));
        m.put("likes", img.likes());
        m.put("is_animated", img.animated() ? 1 : 0);
        m.put("is_approved", 1);
        m.put("is_360", 0);
        m.put("duration", 0);
        m.put("type", "image");
        m.put("tags_string", String.join(", ", img.tags()));
        m.put("file", Map.of("resource", Map.of("type", "url")));
        m.put("id_encoded", links.publicId());
        m.put("filename", filename);
        m.put("mime", img.mediaType());
        m.put("url", links.url());
        m.put("ratio", img.height() == 0 ? 0 : (double) img.width() / img.height());
        m.put("size_formatted", Sizes.format(img.byteSize()));
        m.put("frame", null);
        m.put(
                "image",
                file(
                        filename,
                        img.mediaType(),
                        img.extension(),
                        links.url(),
                        img.byteSize(),
                        img.width(),
                        img.height()));
        m.put("thumb", variant(links, img.variant("thumb")));
        m.put("url_frame", null);
        m.put("medium", variant(links, img.variant("medium")));
        m.put("duration_time", null);
        m.put("url_viewer", links.urlViewer());
        m.put("path_viewer", links.pathViewer());
        m.put("url_short", links.urlShort());
        m.put("display_url", links.displayUrl());
        StoredImage.Variant display = img.variant("medium").orElse(null);
        m.put("display_width", display == null ? img.width() : display.width());
        m.put("display_height", display == null ? img.height() : display.height());
        m.put("views_label", img.views() == 1 ? "view" : "views");
        m.put("likes_label", img.likes() == 1 ? "like" : "likes");
        m.put("how_long_ago", howLongAgo(img.createdAt(), now));
        m.put("date_fixed_peer", DATE.format(img.createdAt()));
        String title = img.title() == null ? filename : img.title();
        m.put("title_truncated", title.length() > 28 ? title.substring(0, 28) + "..." : title);
        m.put("title_truncated_html", escape(title.length() > 28 ? title.substring(0, 28) + "..." : title));
        m.put("is_use_loader", img.byteSize() > 5_000_000);
        m.put("display_title", title);
        if (deleteSecret != null) {
            m.put("delete_url", links.deleteUrl(deleteSecret));
        }
        return m;
    }

    private static Map<String, Object> variant(ImageLinks links, Optional<StoredImage.Variant> variant) {
        if (variant.isEmpty()) {
            Map<String, Object> nulls = new LinkedHashMap<>();
            for (String k : List.of("filename", "name", "mime", "extension", "url", "size", "width", "height")) {
                nulls.put(k, null);
            }
            return nulls;
        }
        StoredImage.Variant v = variant.get();
        String filename = fileName(v.storageKey());
        return file(
                filename,
                v.mediaType(),
                filename.substring(filename.lastIndexOf('.') + 1),
                links.fileUrl(v.storageKey()),
                v.byteSize(),
                v.width(),
                v.height());
    }

    private static Map<String, Object> file(
            String filename, String mime, String extension, String url, long size, int width, int height) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", filename);
        m.put("name", baseName(filename));
        m.put("mime", mime);
        m.put("extension", extension);
        m.put("url", url);
        m.put("size", size);
        m.put("width", width);
        m.put("height", height);
        return m;
    }

    private static String fileName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    private static String baseName(String filename) {
        int dot = filename.lastIndexOf('.');
        return dot > 0 ? filename.substring(0, dot) : filename;
    }

    private static String storageModeOf(String key) {
        return key.matches("^\\d{4}/\\d{2}/\\d{2}/.*") ? "datefolder" : "direct";
    }

    static String howLongAgo(Instant then, Instant now) {
        long s = Math.max(0, Duration.between(then, now).getSeconds());
        List<Object[]> units = new ArrayList<>(List.of(
                new Object[] {31_536_000L, "year"},
                new Object[] {2_592_000L, "month"},
                new Object[] {604_800L, "week"},
                new Object[] {86_400L, "day"},
                new Object[] {3_600L, "hour"},
                new Object[] {60L, "minute"}));
        for (Object[] u : units) {
            long n = s / (Long) u[0];
            if (n >= 1) {
                return n + " " + u[1] + (n == 1 ? "" : "s") + " ago";
            }
        }
        return "moments ago";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
