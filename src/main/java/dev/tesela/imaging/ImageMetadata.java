package dev.tesela.imaging;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an image's embedded metadata says, as far as Tesela uses it. Read by {@link MetadataReader}; all text is
 * cleaned (control characters removed, trimmed, length-capped) and never blank when present.
 *
 * @param orientation  EXIF orientation 1–8 (1 = upright; 5–8 swap width and height); 1 when absent or invalid, and
 *                     always 1 for AVIF and HEIC (their irot/imir transforms are what decoders apply)
 * @param takenAt      EXIF DateTimeOriginal (else DateTimeDigitized) read as if it were UTC: the camera's wall clock
 * @param title        XMP dc:title, else IPTC Object Name, else EXIF XPTitle, else PNG text "Title"
 * @param description  EXIF ImageDescription (unless a camera placeholder), else IPTC Caption, else XMP
 *                     dc:description, else PNG text "Description"
 * @param cameraMake   EXIF Make
 * @param cameraModel  EXIF Model
 * @param hasGps       the file holds a location (EXIF GPS latitude/longitude or XMP exif:GPSLatitude)
 * @param panorama360  XMP GPano:ProjectionType is "equirectangular" (a 360° photo sphere)
 * @param exifTags     "directory/tag name" → description for EXIF (IFD0, SubIFD) and IPTC, in file order, without
 *                     thumbnails, binary blobs, maker notes or serial numbers; at most {@link #MAX_ENTRIES}
 * @param locationTags the same for the EXIF GPS directory and the IPTC location fields (city, sub-location,
 *                     province, country), kept apart so callers choose whether to store where a photo was taken
 */
public record ImageMetadata(
        int orientation,
        Optional<Instant> takenAt,
        Optional<String> title,
        Optional<String> description,
        Optional<String> cameraMake,
        Optional<String> cameraModel,
        boolean hasGps,
        boolean panorama360,
        Map<String, String> exifTags,
        Map<String, String> locationTags) {
    /** Upper bound of {@link #exif} entries. */
    public static final int MAX_ENTRIES = 200;
    /** Upper bound of one {@link #exif} value, in chars. */
    public static final int MAX_VALUE_CHARS = 500;

    /** No metadata: upright, nothing known. */
    public static final ImageMetadata EMPTY = new ImageMetadata(
            1,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            false,
            false,
            Map.of(),
            Map.of());

    public ImageMetadata {
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("orientation must be 1..8: " + orientation);
        }
        Objects.requireNonNull(takenAt);
        Objects.requireNonNull(title);
        Objects.requireNonNull(description);
        Objects.requireNonNull(cameraMake);
        Objects.requireNonNull(cameraModel);
        exifTags = Collections.unmodifiableMap(new LinkedHashMap<>(exifTags));
        locationTags = Collections.unmodifiableMap(new LinkedHashMap<>(locationTags));
    }

    /** Whether the stored pixels must be turned a quarter for display (orientation 5–8), swapping width and height. */
    public boolean swapsDimensions() {
        return orientation >= 5;
    }

    /**
     * A flat map for storing as JSON: {@link #exifTags}, then {@link #locationTags} when {@code includeGps}, at most
     * {@link #MAX_ENTRIES} entries in all. Unmodifiable, in that order.
     */
    public Map<String, String> exif(boolean includeGps) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, String> part : includeGps ? List.of(exifTags, locationTags) : List.of(exifTags)) {
            for (Map.Entry<String, String> e : part.entrySet()) {
                if (out.size() >= MAX_ENTRIES) {
                    return Collections.unmodifiableMap(out);
                }
                out.put(e.getKey(), e.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
