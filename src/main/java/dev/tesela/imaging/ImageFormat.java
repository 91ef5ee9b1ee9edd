package dev.tesela.imaging;

import java.util.Locale;
import java.util.Optional;

/** The image formats Tesela knows, each with its canonical MIME type and file extension. */
public enum ImageFormat {
    JPEG("image/jpeg", "jpeg", false),
    PNG("image/png", "png", true),
    GIF("image/gif", "gif", true),
    WEBP("image/webp", "webp", true),
    BMP("image/bmp", "bmp", false),
    AVIF("image/avif", "avif", true),
    HEIC("image/heic", "heic", false);

    private final String mimeType;
    private final String extension;
    private final boolean canAnimate;

    ImageFormat(String mimeType, String extension, boolean canAnimate) {
        this.mimeType = mimeType;
        this.extension = extension;
        this.canAnimate = canAnimate;
    }

    public String mimeType() {
        return mimeType;
    }

    /** Canonical extension without the dot (jpeg, png, ...). */
    public String extension() {
        return extension;
    }

    /** Whether files of this format may hold several frames (animated GIF, APNG, animated WebP, AVIF sequences). */
    public boolean canAnimate() {
        return canAnimate;
    }

    /** The format a client-declared MIME type names, if any (aliases such as image/pjpeg and image/x-png included). */
    public static Optional<ImageFormat> fromMimeType(String mime) {
        if (mime == null) {
            return Optional.empty();
        }
        return switch (mime.toLowerCase(Locale.ROOT).split(";", 2)[0].trim()) {
            case "image/jpeg", "image/jpg", "image/pjpeg" -> Optional.of(JPEG);
            case "image/png", "image/x-png", "image/apng" -> Optional.of(PNG);
            case "image/gif" -> Optional.of(GIF);
            case "image/webp" -> Optional.of(WEBP);
            case "image/bmp", "image/x-ms-bmp", "image/x-windows-bmp", "image/x-bmp" -> Optional.of(BMP);
            case "image/avif" -> Optional.of(AVIF);
            case "image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence" -> Optional.of(HEIC);
            default -> Optional.empty();
        };
    }

    /** The format a file extension names, if any (jpg, jpe, jfif, heif, ... included). */
    public static Optional<ImageFormat> fromExtension(String ext) {
        if (ext == null) {
            return Optional.empty();
        }
        return switch (ext.toLowerCase(Locale.ROOT)) {
            case "jpg", "jpeg", "jpe", "jfif" -> Optional.of(JPEG);
            case "png", "apng" -> Optional.of(PNG);
            case "gif" -> Optional.of(GIF);
            case "webp" -> Optional.of(WEBP);
            case "bmp", "dib" -> Optional.of(BMP);
            case "avif" -> Optional.of(AVIF);
            case "heic", "heif" -> Optional.of(HEIC);
            default -> Optional.empty();
        };
    }
}
