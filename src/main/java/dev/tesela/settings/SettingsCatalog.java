package dev.tesela.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every setting a site has, with its fresh-install default. New settings are added here and nowhere else. */
final class SettingsCatalog {
    static final Map<String, SettingDefinition> ALL = index(List.of(
            SettingDefinition.string("website_name", "Tesela", 100),
            SettingDefinition.string("website_doctitle", "Tesela image hosting", 200),
            SettingDefinition.string("website_description", "A place to share your images.", 500),
            SettingDefinition.string("default_timezone", "UTC", 64),
            SettingDefinition.string("default_language", "en", 16),
            SettingDefinition.choice("website_mode", "community", "community", "personal"),
            SettingDefinition.choice("website_privacy_mode", "public", "public", "private"),
            SettingDefinition.bool("enable_signups", true),
            SettingDefinition.bool("enable_uploads", true),
            SettingDefinition.bool("guest_uploads", true),
            SettingDefinition.bool("enable_likes", true),
            SettingDefinition.bool("enable_followers", true),
            SettingDefinition.bool("enable_powered_by", true),
            SettingDefinition.bool("maintenance", false),
            SettingDefinition.integer("upload_max_filesize_mb", 50, 1, 4096),
            SettingDefinition.integer("upload_max_filesize_mb_guest", 10, 1, 4096),
            SettingDefinition.integer("upload_thumb_width", 320, 16, 2000),
            SettingDefinition.integer("upload_thumb_height", 320, 16, 2000),
            SettingDefinition.integer("upload_medium_size", 500, 16, 4000),
            SettingDefinition.choice("upload_storage_mode", "datefolder", "datefolder", "direct"),
            SettingDefinition.choice("upload_filenaming", "original", "original", "random", "mixed", "id"),
            SettingDefinition.choice("upload_medium_fixed_dimension", "width", "width", "height"),
            SettingDefinition.integer("upload_max_image_width", 0, 0, 50_000),
            SettingDefinition.integer("upload_max_image_height", 0, 0, 50_000),
            SettingDefinition.bool("upload_image_exif", true),
            SettingDefinition.bool("upload_image_exif_gps", false),
            SettingDefinition.bool("enable_duplicate_uploads", false),
            SettingDefinition.choice("upload_duplicate_scope", "ip", "ip", "user", "site"),
            SettingDefinition.integer("upload_duplicate_window_hours", 24, 0, 87_600),
            SettingDefinition.bool("enable_expirable_uploads", true),
            SettingDefinition.string("auto_delete_guest_uploads", "", 32),
            SettingDefinition.bool("enable_uploads_url", false),
            SettingDefinition.bool("enable_api_guest", false),
            SettingDefinition.string("api_v1_key", "", 128),
            SettingDefinition.integer("listing_items_per_page", 24, 1, 100)));

    private SettingsCatalog() {}

    private static Map<String, SettingDefinition> index(List<SettingDefinition> defs) {
        Map<String, SettingDefinition> map = new LinkedHashMap<>();
        defs.forEach(d -> map.put(d.key(), d));
        return java.util.Collections.unmodifiableMap(map);
    }
}
