package dev.tesela.media;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image as stored: its row and its variants. Numeric ids never leave the server; presenters encode them.
 *
 * @param storageId  the storage holding its files (null: the site's built-in local folder)
 * @param storageKey key of the main file (and its variants' keys) in that storage
 * @param exifJson   JSON object of the EXIF kept as data, or null
 * @param expiresAt  null = never
 */
public record StoredImage(
        long id,
        Long ownerId,
        String ownerUsername,
        Long albumId,
        Long categoryId,
        Long storageId,
        String storageKey,
        String originalFilename,
        String title,
        String description,
        String mediaType,
        String extension,
        int width,
        int height,
        int frames,
        long byteSize,
        String sha256,
        String md5,
        String exifJson,
        boolean nsfw,
        long views,
        long likes,
        Instant expiresAt,
        Instant createdAt,
        List<String> tags,
        Map<String, Variant> variants) {

    public boolean animated() {
        return frames > 1;
    }

    public Optional<Variant> variant(String name) {
        return Optional.ofNullable(variants.get(name));
    }

    /** A derived file (thumb, medium). */
    public record Variant(String name, String storageKey, String mediaType, int width, int height, long byteSize) {}
}
