package dev.tesela.imaging;

import com.adobe.internal.xmp.XMPConst;
import com.adobe.internal.xmp.XMPException;
import com.adobe.internal.xmp.XMPMeta;
import com.adobe.internal.xmp.properties.XMPProperty;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.Tag;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;
import com.drew.metadata.iptc.IptcDirectory;
import com.drew.metadata.xmp.XmpDirectory;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@link ImageMetadata} with metadata-extractor. Never throws: a file whose metadata cannot be read (corrupt,
 * truncated, hostile) gives {@link ImageMetadata#EMPTY}, logged at debug. Reads at most the metadata parts of the
 * file (see {@code MetadataSource} for the bounds). Stateless and thread-safe.
 *
 * <p>AVIF and HEIC always report orientation 1: their container's {@code irot}/{@code imir} properties are what
 * decoders apply, and an EXIF orientation inside them is informative only (applying it too would turn the picture
 * twice).
 */
public final class MetadataReader {
    private static final Logger log = LoggerFactory.getLogger(MetadataReader.class);

    private static final String GPANO_NS = "http://ns.google.com/photos/1.0/panorama/";
    private static final int MAX_TITLE_CHARS = 200;
    private static final int MAX_DESCRIPTION_CHARS = 2000;
    private static final int MAX_CAMERA_CHARS = 100;
    /** Larger raw byte arrays are binary blobs, not worth showing. */
    private static final int MAX_BINARY_BYTES = 64;

    /** EXIF tags never put in the map: blobs (maker notes, embedded XMP/IPTC/ICC, padding, PrintIM) and serials. */
    private static final Set<Integer> SKIPPED_EXIF_TAGS = Set.of(
            ExifDirectoryBase.TAG_MAKERNOTE,
            ExifDirectoryBase.TAG_APPLICATION_NOTES,
            ExifDirectoryBase.TAG_IPTC_NAA,
            ExifDirectoryBase.TAG_INTER_COLOR_PROFILE,
            ExifDirectoryBase.TAG_PADDING,
            ExifDirectoryBase.TAG_PRINT_IMAGE_MATCHING_INFO,
            ExifDirectoryBase.TAG_CAMERA_OWNER_NAME,
            ExifDirectoryBase.TAG_BODY_SERIAL_NUMBER,
            ExifDirectoryBase.TAG_LENS_SERIAL_NUMBER);
    /** IPTC fields that say where the picture was taken: grouped with GPS. */
    private static final Set<Integer> IPTC_LOCATION_TAGS = Set.of(
            IptcDirectory.TAG_CITY,
            IptcDirectory.TAG_SUB_LOCATION,
            IptcDirectory.TAG_PROVINCE_OR_STATE,
            IptcDirectory.TAG_COUNTRY_OR_PRIMARY_LOCATION_CODE,
            IptcDirectory.TAG_COUNTRY_OR_PRIMARY_LOCATION_NAME,
            IptcDirectory.TAG_CONTENT_LOCATION_CODE,
            IptcDirectory.TAG_CONTENT_LOCATION_NAME);
    /** ImageDescription values cameras write by default: not a description. Upper case. */
    private static final Set<String> PLACEHOLDER_DESCRIPTIONS = Set.of(
            "OLYMPUS DIGITAL CAMERA",
            "SONY DSC",
            "DIGITAL CAMERA",
            "KONICA MINOLTA DIGITAL CAMERA",
            "MINOLTA DIGITAL CAMERA",
            "EXIF_JPEG_PICTURE",
            "DEFAULT",
            "IMAGE",
            "PICTURE");

    private static final Pattern EXIF_DATE = Pattern.compile(
            "\\s*(\\d{4})[:-](\\d{2})[:-](\\d{2})[ T](\\d{2}):(\\d{2})(?::(\\d{2}))?.*", Pattern.DOTALL);
    /** C0/C1 controls and bidirectional overrides/isolates (which can disguise text). */
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069]+");

    private static final Pattern SPACES = Pattern.compile("\\s+");

    private MetadataReader() {}

    /** The metadata of {@code file}, whose format {@link ImageProbe} found; {@link ImageMetadata#EMPTY} on any failure. */
    public static ImageMetadata read(Path file, ImageFormat format) {
        try {
            MetadataSource.Extracted extracted = MetadataSource.read(file, format);
            return interpret(extracted.metadata(), extracted.pngText(), format);
        } catch (Exception | StackOverflowError e) {
            // StackOverflowError: a recursive parser on a crafted file; the thread's stack is unwound by now
            log.debug("Metadata of {} ({}) not readable: {}", file.getFileName(), format, e.toString());
            return ImageMetadata.EMPTY;
        }
    }

    static ImageMetadata interpret(Metadata metadata, Map<String, String> pngText, ImageFormat format) {
        Map<String, String> exifTags = new LinkedHashMap<>();
        Map<String, String> locationTags = new LinkedHashMap<>();
        collectTags(metadata, exifTags, locationTags);
        boolean heif = format == ImageFormat.AVIF || format == ImageFormat.HEIC;
        int orientation = heif
                ? 1
                : firstValue(
                                metadata,
                                ExifIFD0Directory.class,
                                d -> validOrientation(d.getInteger(ExifDirectoryBase.TAG_ORIENTATION)))
                        .orElse(1);
        Optional<Instant> takenAt = firstValue(
                        metadata,
                        ExifSubIFDDirectory.class,
                        d -> exifDate(d.getString(ExifDirectoryBase.TAG_DATETIME_ORIGINAL)))
                .or(() -> firstValue(
                        metadata,
                        ExifSubIFDDirectory.class,
                        d -> exifDate(d.getString(ExifDirectoryBase.TAG_DATETIME_DIGITIZED))));
        Optional<String> title = firstValue(
                        metadata, XmpDirectory.class, d -> xmpText(d, XMPConst.NS_DC, "title", MAX_TITLE_CHARS))
                .or(() -> firstValue(
                        metadata,
                        IptcDirectory.class,
                        d -> clean(d.getString(IptcDirectory.TAG_OBJECT_NAME), MAX_TITLE_CHARS)))
                .or(() -> firstValue(
                        metadata,
                        ExifIFD0Directory.class,
                        d -> clean(d.getDescription(ExifDirectoryBase.TAG_WIN_TITLE), MAX_TITLE_CHARS)))
                .or(() -> clean(pngText.get("Title"), MAX_TITLE_CHARS));
        Optional<String> description = firstValue(
                        metadata,
                        ExifIFD0Directory.class,
                        d -> clean(d.getString(ExifDirectoryBase.TAG_IMAGE_DESCRIPTION), MAX_DESCRIPTION_CHARS)
                                .filter(s -> !PLACEHOLDER_DESCRIPTIONS.contains(s.toUpperCase(Locale.ROOT))))
                .or(() -> firstValue(
                        metadata,
                        IptcDirectory.class,
                        d -> clean(d.getString(IptcDirectory.TAG_CAPTION), MAX_DESCRIPTION_CHARS)))
                .or(() -> firstValue(
                        metadata,
                        XmpDirectory.class,
                        d -> xmpText(d, XMPConst.NS_DC, "description", MAX_DESCRIPTION_CHARS)))
                .or(() -> clean(pngText.get("Description"), MAX_DESCRIPTION_CHARS));
        Optional<String> make = firstValue(
                metadata,
                ExifIFD0Directory.class,
                d -> clean(d.getString(ExifDirectoryBase.TAG_MAKE), MAX_CAMERA_CHARS));
        Optional<String> model = firstValue(
                metadata,
                ExifIFD0Directory.class,
                d -> clean(d.getString(ExifDirectoryBase.TAG_MODEL), MAX_CAMERA_CHARS));
        boolean hasGps = metadata.getDirectoriesOfType(GpsDirectory.class).stream()
                        .anyMatch(d ->
                                d.containsTag(GpsDirectory.TAG_LATITUDE) || d.containsTag(GpsDirectory.TAG_LONGITUDE))
                || firstValue(metadata, XmpDirectory.class, d -> xmpExists(d, XMPConst.NS_EXIF, "GPSLatitude"))
                        .isPresent();
        boolean panorama = firstValue(metadata, XmpDirectory.class, d -> xmpString(d, GPANO_NS, "ProjectionType"))
                .filter(p -> p.trim().equalsIgnoreCase("equirectangular"))
                .isPresent();
        return new ImageMetadata(
                orientation, takenAt, title, description, make, model, hasGps, panorama, exifTags, locationTags);
    }

    private static void collectTags(Metadata metadata, Map<String, String> exifTags, Map<String, String> locationTags) {
        for (Directory directory : metadata.getDirectories()) {
            boolean exif = directory instanceof ExifIFD0Directory || directory instanceof ExifSubIFDDirectory;
            boolean gps = directory instanceof GpsDirectory;
            boolean iptc = directory instanceof IptcDirectory;
            if (!exif && !gps && !iptc) {
                continue; // thumbnails, maker notes, format internals, XMP (read above), ICC
            }
            for (Tag tag : directory.getTags()) {
                int type = tag.getTagType();
                if (exif && SKIPPED_EXIF_TAGS.contains(type)) {
                    continue;
                }
                Map<String, String> target =
                        gps || (iptc && IPTC_LOCATION_TAGS.contains(type)) ? locationTags : exifTags;
                if (target.size() >= ImageMetadata.MAX_ENTRIES
                        || directory.getObject(type) instanceof byte[] bytes && bytes.length > MAX_BINARY_BYTES) {
                    continue;
                }
                String value;
                try {
                    value = tag.getDescription();
                } catch (RuntimeException e) {
                    continue; // a descriptor choking on a malformed value: skip the tag
                }
                clean(value, ImageMetadata.MAX_VALUE_CHARS)
                        .ifPresent(v -> target.putIfAbsent(directory.getName() + "/" + tag.getTagName(), v));
            }
        }
    }

    /** The first non-empty result of {@code read} over the directories of {@code type}, in file order. */
    private static <D extends Directory, T> Optional<T> firstValue(
            Metadata metadata, Class<D> type, Function<D, Optional<T>> read) {
        for (D directory : metadata.getDirectoriesOfType(type)) {
            Optional<T> value = read.apply(directory);
            if (value.isPresent()) {
                return value;
            }
        }
        return Optional.empty();
    }

    private static Optional<Integer> validOrientation(Integer value) {
        return value != null && value >= 1 && value <= 8 ? Optional.of(value) : Optional.empty();
    }

    /** "yyyy:MM:dd HH:mm[:ss]" (sub-seconds and offsets ignored) as a UTC instant; empty when absent or invalid. */
    static Optional<Instant> exifDate(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = EXIF_DATE.matcher(value);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            int year = Integer.parseInt(m.group(1));
            if (year < 1800) {
                return Optional.empty(); // "0000:00:00 00:00:00" and other unset clocks
            }
            LocalDateTime t = LocalDateTime.of(
                    year,
                    Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)),
                    m.group(6) == null ? 0 : Integer.parseInt(m.group(6)));
            return Optional.of(t.toInstant(ZoneOffset.UTC));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> xmpText(XmpDirectory directory, String namespace, String property, int maxChars) {
        XMPMeta xmp = directory.getXMPMeta();
        if (xmp == null) {
            return Optional.empty();
        }
        try {
            XMPProperty text = xmp.getLocalizedText(namespace, property, null, XMPConst.X_DEFAULT);
            return text == null ? Optional.empty() : clean(text.getValue(), maxChars);
        } catch (XMPException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> xmpString(XmpDirectory directory, String namespace, String property) {
        XMPMeta xmp = directory.getXMPMeta();
        if (xmp == null) {
            return Optional.empty();
        }
        try {
            return clean(xmp.getPropertyString(namespace, property), MAX_TITLE_CHARS);
        } catch (XMPException | RuntimeException e) {
            return Optional.empty(); // e.g. the namespace appears nowhere in this packet
        }
    }

    private static Optional<Boolean> xmpExists(XmpDirectory directory, String namespace, String property) {
        XMPMeta xmp = directory.getXMPMeta();
        try {
            return xmp != null && xmp.doesPropertyExist(namespace, property) ? Optional.of(true) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code value} without control characters or bidi overrides, whitespace runs collapsed to one space, trimmed,
     * cut to {@code maxChars} (never inside a surrogate pair); empty when nothing is left.
     */
    static Optional<String> clean(String value, int maxChars) {
        if (value == null) {
            return Optional.empty();
        }
        String s = SPACES.matcher(CONTROL.matcher(value).replaceAll(" "))
                .replaceAll(" ")
                .strip();
        if (s.length() > maxChars) {
            int end = Character.isHighSurrogate(s.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
            s = s.substring(0, end).strip();
        }
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
