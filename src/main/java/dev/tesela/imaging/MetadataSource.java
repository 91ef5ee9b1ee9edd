package dev.tesela.imaging;

import com.drew.imaging.gif.GifMetadataReader;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.lang.ByteArrayReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifReader;
import com.drew.metadata.xmp.XmpReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Feeds metadata-extractor only bounded inputs. Its container readers allocate whatever length a file declares and
 * inflate compressed PNG text without limit, so for PNG, WebP, AVIF and HEIC we walk the container ourselves and
 * hand it just the EXIF (TIFF) and XMP payloads, each at most {@link #MAX_PAYLOAD} bytes after inflation. JPEG
 * segments are at most 64 KiB each and GIF blocks 255 bytes, so those files go to the library as streams. Stateless.
 */
final class MetadataSource {
    /** Largest EXIF, XMP or text payload read (after inflation). */
    static final int MAX_PAYLOAD = 1 << 20;

    private static final int MAX_CHUNKS = 100_000;
    private static final int MAX_TOTAL = 8 << 20;
    private static final byte[] EXIF_PREFIX = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final String XMP_KEYWORD = "XML:com.adobe.xmp";

    /** Metadata-extractor's view, plus PNG text chunks (keyword → text, first of each) which it does not cover. */
    record Extracted(Metadata metadata, Map<String, String> pngText) {}

    private MetadataSource() {}

    static Extracted read(Path file, ImageFormat format)
            throws IOException, UnsupportedImageException, JpegProcessingException {
        Metadata metadata = new Metadata();
        Map<String, String> pngText = new LinkedHashMap<>();
        switch (format) {
            case JPEG -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                    metadata = JpegMetadataReader.readMetadata(in);
                }
            }
            case GIF -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                    metadata = GifMetadataReader.readMetadata(in);
                }
            }
            case PNG, WEBP, AVIF, HEIC -> {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    ByteReader reader = new ByteReader(channel);
                    switch (format) {
                        case PNG -> png(reader, metadata, pngText);
                        case WEBP -> webp(reader, metadata);
                        default -> heif(reader, metadata);
                    }
                }
            }
            case BMP -> {
                // BMP carries no EXIF/XMP
            }
        }
        return new Extracted(metadata, pngText);
    }

    private static void png(ByteReader r, Metadata metadata, Map<String, String> text)
            throws IOException, UnsupportedImageException {
        long total = 0;
        r.seek(Magic.PNG.length);
        for (int i = 0; i < MAX_CHUNKS && r.remaining() >= 12; i++) {
            long start = r.position();
            long length = r.u32be();
            int type = r.fourCc();
            if (length > PngHeader.MAX_CHUNK_LENGTH || type == PngHeader.IEND) {
                return;
            }
            boolean wanted = type == PngHeader.EXIF
                    || type == PngHeader.TEXT
                    || type == PngHeader.ZTXT
                    || type == PngHeader.ITXT;
            if (wanted && length <= MAX_PAYLOAD && length <= r.remaining() && (total += length) <= MAX_TOTAL) {
                byte[] data = r.bytes((int) length);
                if (type == PngHeader.EXIF) {
                    exif(data, metadata);
                } else {
                    pngText(type, data, metadata, text);
                }
            }
            r.seek(start + 12 + length);
        }
    }

    /** tEXt (Latin-1), zTXt (Latin-1, deflated) and iTXt (UTF-8, maybe deflated); XMP goes to the XMP reader. */
    private static void pngText(int type, byte[] data, Metadata metadata, Map<String, String> text) {
        int nul = indexOf(data, 0, 0);
        if (nul <= 0) {
            return;
        }
        String keyword = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        byte[] value;
        boolean utf8 = false;
        if (type == PngHeader.TEXT) {
            value = Arrays.copyOfRange(data, nul + 1, data.length);
        } else if (type == PngHeader.ZTXT) {
            value = nul + 2 <= data.length ? inflate(data, nul + 2) : null;
        } else {
            // iTXt: keyword NUL, compression flag, method, language tag NUL, translated keyword NUL, text
            int language = nul + 3;
            int translated = indexOf(data, language, 0);
            int textStart = translated < 0 ? -1 : indexOf(data, translated + 1, 0) + 1;
            if (language > data.length || textStart <= 0) {
                return;
            }
            value = data[nul + 1] == 0 ? Arrays.copyOfRange(data, textStart, data.length) : inflate(data, textStart);
            utf8 = true;
        }
        if (value == null) {
            return;
        }
        if (keyword.equals(XMP_KEYWORD)) {
            new XmpReader().extract(value, metadata);
        } else {
            text.putIfAbsent(keyword, new String(value, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
        }
    }

    private static void webp(ByteReader r, Metadata metadata) throws IOException, UnsupportedImageException {
        r.seek(4);
        long end = Math.min(8 + r.u32le(), r.size());
        r.seek(12);
        for (int i = 0; i < MAX_CHUNKS && end - r.position() >= 8; i++) {
            int type = r.fourCc();
            long size = r.u32le();
            long next = r.position() + size + (size & 1);
            if ((type == WebpHeader.EXIF || type == WebpHeader.XMP)
                    && size <= MAX_PAYLOAD
                    && size <= end - r.position()) {
                byte[] data = r.bytes((int) size);
                if (type == WebpHeader.EXIF) {
                    exif(data, metadata);
                } else {
                    new XmpReader().extract(data, metadata);
                }
            }
            r.seek(next);
        }
    }

    private static void heif(ByteReader r, Metadata metadata) throws IOException, UnsupportedImageException {
        HeifItems.Items items = HeifItems.read(r);
        byte[] exif = items.exif();
        if (exif != null && exif.length >= 4) {
            long offset = (exif[0] & 0xFFL) << 24 | (exif[1] & 0xFF) << 16 | (exif[2] & 0xFF) << 8 | exif[3] & 0xFF;
            if (offset <= exif.length - 4) {
                exif(Arrays.copyOfRange(exif, 4 + (int) offset, exif.length), metadata);
            }
        }
        if (items.xmp() != null) {
            new XmpReader().extract(items.xmp(), metadata);
        }
    }

    /** A TIFF-structured EXIF block, with or without the "Exif\0\0" prefix JPEG uses. */
    private static void exif(byte[] data, Metadata metadata) {
        int start = data.length >= EXIF_PREFIX.length
                        && Arrays.equals(data, 0, EXIF_PREFIX.length, EXIF_PREFIX, 0, EXIF_PREFIX.length)
                ? EXIF_PREFIX.length
                : 0;
        new ExifReader().extract(new ByteArrayReader(data, start), metadata);
    }

    /** zlib data from {@code offset} inflated, or null when corrupt or larger than {@link #MAX_PAYLOAD}. */
    static byte[] inflate(byte[] data, int offset) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, offset, data.length - offset);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_PAYLOAD) {
                    return null;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    private static int indexOf(byte[] data, int from, int value) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
