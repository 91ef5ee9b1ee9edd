package dev.tesela.media;

import java.util.Map;

/**
 * The site settings one upload needs, read once per upload (one query) so every step sees the same values.
 * Values were validated when they were saved (settings catalogue).
 */
record MediaSettings(boolean uploadsEnabled, boolean guestUploads, long maxBytesUser, long maxBytesGuest,
                     int thumbWidth, int thumbHeight, int mediumSize, boolean mediumFixedHeight,
                     int maxImageWidth, int maxImageHeight, boolean keepExif, boolean keepGps,
                     String storageMode, String naming, boolean duplicatesAllowed, String duplicateScope,
                     int duplicateWindowHours, boolean expirableUploads, String guestExpiration,
                     boolean urlUploads, boolean apiGuest, String apiGuestKey) {

    static MediaSettings from(Map<String, String> s) {
        return new MediaSettings(
                bool(s, "enable_uploads"), bool(s, "guest_uploads"),
                mb(s, "upload_max_filesize_mb"), mb(s, "upload_max_filesize_mb_guest"),
                integer(s, "upload_thumb_width"), integer(s, "upload_thumb_height"), integer(s, "upload_medium_size"),
                "height".equals(s.get("upload_medium_fixed_dimension")),
                integer(s, "upload_max_image_width"), integer(s, "upload_max_image_height"),
                bool(s, "upload_image_exif"), bool(s, "upload_image_exif_gps"),
                s.get("upload_storage_mode"), s.get("upload_filenaming"),
                bool(s, "enable_duplicate_uploads"), s.get("upload_duplicate_scope"),
                integer(s, "upload_duplicate_window_hours"), bool(s, "enable_expirable_uploads"),
                s.getOrDefault("auto_delete_guest_uploads", ""), bool(s, "enable_uploads_url"),
                bool(s, "enable_api_guest"), s.getOrDefault("api_v1_key", ""));
    }

    private static boolean bool(Map<String, String> s, String key) {
        return "1".equals(s.get(key)) || "true".equals(s.get(key));
    }

    private static int integer(Map<String, String> s, String key) {
        return Integer.parseInt(s.get(key));
    }

    private static long mb(Map<String, String> s, String key) {
        return integer(s, key) * 1024L * 1024L;
    }
}
