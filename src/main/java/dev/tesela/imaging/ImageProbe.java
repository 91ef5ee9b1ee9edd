package dev.tesela.imaging;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads an image's format, size and frame count from its header, without decoding pixels (ARCHITECTURE.md §5: the
 * pipeline refuses by width × height × frames before any decode).
 *
 * <p>The format comes from magic bytes only. Parsers read only what they need through a small window and stop after
 * a bounded number of markers, chunks, blocks or boxes, so a hostile file costs at most one sequential read of
 * itself (GIF and animated WebP frame counting walk the file) and usually a few KiB. Frame counts above
 * {@link #MAX_FRAMES} are reported as {@code MAX_FRAMES}. Stateless and thread-safe.
 */
public final class ImageProbe {
    /** Frame counts are capped here: a caller's frame limit is far below, so the file is refused either way. */
    public static final int MAX_FRAMES = 100_000;

    /** Bytes of the file given to {@link #sniff}: room for an ISOBMFF {@code ftyp} with ~250 brands. */
    static final int HEAD_BYTES = 1024;

    private ImageProbe() {}

    /**
     * Probes {@code file}.
     *
     * @throws UnsupportedImageException NOT_AN_IMAGE when the magic bytes are not those of a supported format,
     *                                   DAMAGED when they are but the header is truncated, inconsistent or names a
     *                                   zero size
     * @throws IOException               when the file cannot be read
     */
    public static ImageInfo probe(Path file) throws IOException, UnsupportedImageException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteReader reader = new ByteReader(channel);
            byte[] head = reader.peek(HEAD_BYTES);
            Optional<ImageFormat> format = sniff(head);
            if (format.isEmpty()) {
                throw Magic.truncatedSignature(head)
                        ? UnsupportedImageException.damaged(
                                "file ends inside the signature (" + head.length + " bytes)")
                        : UnsupportedImageException.notAnImage("no known signature");
            }
            return switch (format.get()) {
                case JPEG -> JpegHeader.probe(reader);
                case PNG -> PngHeader.probe(reader);
                case GIF -> GifHeader.probe(reader);
                case WEBP -> WebpHeader.probe(reader);
                case BMP -> BmpHeader.probe(reader);
                case AVIF, HEIC -> IsoBmffHeader.probe(reader);
            };
        }
    }

    /**
     * The format named by the magic bytes at the start of a file, if any. {@code head} is the file's first bytes
     * (up to 1 KiB is plenty; fewer when the file is shorter). Looks at nothing else: a match says what the file
     * claims to be, not that it is intact. ISOBMFF files are matched by their {@code ftyp} brands: {@code avif},
     * {@code avis} → AVIF; {@code heic}, {@code heix}, {@code heim}, {@code heis}, {@code hevc}, {@code hevx},
     * {@code hevm}, {@code hevs} → HEIC; the generic HEIF brands {@code mif1}, {@code mif2}, {@code msf1} alone →
     * HEIC ({@link #probe} then looks at the primary item: {@code av01} makes it AVIF).
     */
    public static Optional<ImageFormat> sniff(byte[] head) {
        return Magic.sniff(head);
    }
}
