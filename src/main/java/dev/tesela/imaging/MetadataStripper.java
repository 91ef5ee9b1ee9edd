package dev.tesela.imaging;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Removes metadata from JPEG, PNG and WebP files without re-encoding: the compressed image data is copied byte for
 * byte, only metadata segments, chunks and flags change. Stateless and thread-safe.
 *
 * <ul>
 *   <li>JPEG: keeps APP0 JFIF, APP14 Adobe (the colour transform) and, when asked, APP2 ICC_PROFILE; drops every
 *       other APPn (EXIF, XMP, IPTC/Photoshop, MPF, ...) and COM, also between progressive scans. Output ends at
 *       the EOI marker: data appended after it (MPF secondary images with their own EXIF, motion-photo videos,
 *       vendor trailers) is dropped.</li>
 *   <li>PNG: drops eXIf, tEXt, zTXt, iTXt, tIME and, unless asked to keep it, iCCP; keeps every other chunk
 *       (APNG's acTL, fcTL, fdAT included). Output ends at IEND.</li>
 *   <li>WebP: drops the EXIF and XMP chunks (and ICCP unless asked to keep it), clears their VP8X flags and
 *       rewrites the RIFF size. Output ends at the end of the RIFF payload.</li>
 * </ul>
 */
public final class MetadataStripper {
    private MetadataStripper() {}

    /**
     * Writes a copy of {@code in} without metadata to {@code out} (created or replaced; must not be {@code in}).
     *
     * @param format  the format {@link ImageProbe} found for {@code in}
     * @param keepIcc whether the embedded ICC colour profile is kept (it is colour information, not personal data)
     * @return true when {@code out} was written; false (and {@code out} untouched) for formats this class does not
     * strip (GIF, BMP, AVIF, HEIC)
     * @throws UnsupportedImageException when {@code in} is not a well-formed file of {@code format}; {@code out}
     *                                   then does not exist
     * @throws IOException               on I/O failure; {@code out} then does not exist
     */
    public static boolean strip(Path in, Path out, ImageFormat format, boolean keepIcc)
            throws IOException, UnsupportedImageException {
        if (format != ImageFormat.JPEG && format != ImageFormat.PNG && format != ImageFormat.WEBP) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(in, StandardOpenOption.READ);
                OutputStream target = new BufferedOutputStream(Files.newOutputStream(out), 64 * 1024)) {
            ByteReader reader = new ByteReader(channel);
            switch (format) {
                case JPEG -> JpegStripper.strip(reader, target, keepIcc);
                case PNG -> PngStripper.strip(reader, target, keepIcc);
                case WEBP -> WebpStripper.strip(reader, target, keepIcc);
                default -> throw new IllegalStateException(format.name());
            }
        } catch (IOException | UnsupportedImageException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(out);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return true;
    }

    static void writeU16be(OutputStream out, int v) throws IOException {
        out.write(v >>> 8);
        out.write(v);
    }

    static void writeU32be(OutputStream out, long v) throws IOException {
        writeU16be(out, (int) (v >>> 16) & 0xFFFF);
        writeU16be(out, (int) v & 0xFFFF);
    }

    static void writeU32le(OutputStream out, long v) throws IOException {
        out.write((int) v);
        out.write((int) (v >>> 8));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 24));
    }
}
