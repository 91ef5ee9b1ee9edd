package dev.tesela.imaging;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * An image engine (port). Implementations: libvips over FFM, and a pure-Java engine; both pass
 * {@code ImageProcessorContract}.
 *
 * <p>Contract for every output: EXIF orientation of the source is applied (the output is upright and carries no
 * orientation tag), all metadata (EXIF, XMP, IPTC, comments) is stripped, an alpha channel survives when the target
 * format has one (JPEG outputs are flattened on white), CMYK and 16-bit sources come out as 8-bit sRGB. The caller
 * has already checked the header limits ({@link ImageInfo}); a source that turns out to be corrupt or truncated
 * fails with {@link ImageDecodeException}, never a crash of the JVM and never a partial {@code target} left behind.
 * Implementations are thread-safe; the caller bounds concurrency.
 */
public interface ImageProcessor {

    /** Human-readable engine name and version for logs and {@code /readyz}, e.g. {@code libvips 8.14.1}. */
    String description();

    /** Formats this engine can read. */
    Set<ImageFormat> decodes();

    /** Formats this engine can write. */
    Set<ImageFormat> encodes();

    /**
     * Reads {@code source} (whose header said {@code info}) and writes one output to {@code target} (a new file; the
     * parent directory exists).
     *
     * @throws ImageDecodeException when the source cannot be decoded (corrupt, truncated, unsupported variant)
     * @throws IOException          on I/O failure of the target
     */
    Rendered render(Path source, ImageInfo info, RenderSpec spec, Path target) throws IOException;
}
