package dev.tesela.media;

import dev.tesela.platform.context.SiteSettings;

/**
 * The site settings one upload needs, typed, from the tenant runtime's snapshot (so every step of one request sees
 * the same values). Values were validated when they were saved (settings catalogue).
 */
record MediaSettings(
        boolean uploadsEnabled,
        boolean guestUploads,
        long maxBytesUser,
        long maxBytesGuest,
        int thumbWidth,
        int thumbHeight,
        int mediumSize,
        boolean mediumFixedHeight,
        int maxImageWidth,
        int maxImageHeight,
        boolean keepExif,
        boolean keepGps,
        String storageMode,
        String naming,
        boolean duplicatesAllowed,
        String duplicateScope,
        int duplicateWindowHours,
        boolean expirableUploads,
        String guestExpiration,
        boolean urlUploads,
        boolean apiGuest,
        String apiGuestKey) {

    static MediaSettings from(SiteSettings s) {
        return new MediaSettings(
                s.flag("enable_uploads"),
                s.flag("guest_uploads"),
                mb(s, "upload_max_filesize_mb"),
                mb(s, "upload_max_filesize_mb_guest"),
                s.integer("upload_thumb_width"),
                s.integer("upload_thumb_height"),
                s.integer("upload_medium_size"),
                "height".equals(s.text("upload_medium_fixed_dimension")),
                s.integer("upload_max_image_width"),
                s.integer("upload_max_image_height"),
                s.flag("upload_image_exif"),
                s.flag("upload_image_exif_gps"),
                s.text("upload_storage_mode"),
                s.text("upload_filenaming"),
                s.flag("enable_duplicate_uploads"),
                s.text("upload_duplicate_scope"),
                s.integer("upload_duplicate_window_hours"),
                s.flag("enable_expirable_uploads"),
                s.text("auto_delete_guest_uploads"),
                s.flag("enable_uploads_url"),
                s.flag("enable_api_guest"),
                s.text("api_v1_key"));
    }

    private static long mb(SiteSettings s, String key) {
        return s.integer(key) * 1024L * 1024L;
    }
}
