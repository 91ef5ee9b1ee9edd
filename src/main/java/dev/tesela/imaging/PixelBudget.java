package dev.tesela.imaging;

import java.util.Locale;

/**
 * The most pixels one processing job may hold at once, and the longest side an image may have. Every engine checks
 * each render against it before touching the source ({@link ImageTooLargeException}), and the upload pipeline checks
 * every planned output from the header's dimensions before any decode.
 *
 * <p>What is counted, per output ({@link Sizing#peakPixels()}): the decoded source (the whole source, or only the
 * region a COVER box uses when that region is cut out first), the scaled intermediate, and the output, one frame at
 * a time (frames of an animation are decoded, sized and encoded one after another). Engines hold about 4 bytes per
 * counted pixel per image, and the Java engine up to three such images at once (decoded, converted, oriented), so one
 * job takes at most about {@code 12 × pixels} bytes of memory (the JVM heap for the Java engine, native memory for
 * libvips). Immutable and thread-safe.
 */
public final class PixelBudget {
    /**
     * The longest side accepted, in pixels: the limit of JPEG and GIF (16 bits), and far below libvips's 10,000,000.
     * The largest aspect ratio accepted is therefore 65535:1.
     */
    public static final int MAX_SIDE = 65_535;

    private final long pixels;

    /** @param pixels the most pixels one job may hold at once, &gt; 0 */
    public PixelBudget(long pixels) {
        if (pixels <= 0) {
            throw new IllegalArgumentException("pixel budget must be positive: " + pixels);
        }
        this.pixels = pixels;
    }

    public long pixels() {
        return pixels;
    }

    /**
     * Refuses an image whose side exceeds {@link #MAX_SIDE} (whatever is made of it).
     *
     * @throws ImageTooLargeException naming the image's size and the limit
     */
    public static void requireSides(int width, int height) {
        if (width > MAX_SIDE || height > MAX_SIDE) {
            throw new ImageTooLargeException("The image is " + width + "×" + height + " pixels: too "
                    + (width > MAX_SIDE ? "wide" : "tall") + " to process. Images may be at most "
                    + String.format(Locale.ROOT, "%,d", MAX_SIDE) + " pixels on a side.");
        }
    }

    /**
     * The most pixels making {@code spec} from a {@code width} × {@code height} stored source holds at once, in either
     * orientation (the caller may not know the EXIF orientation yet; a COVER box that is not square sizes differently
     * when the source is turned).
     */
    public static long peakPixels(int width, int height, RenderSpec spec) {
        return Math.max(
                Sizing.of(spec, width, height, false).peakPixels(),
                Sizing.of(spec, width, height, true).peakPixels());
    }

    /**
     * Refuses making {@code spec} of a {@code width} × {@code height} source when a side is too long or it would hold
     * more than this budget at once.
     *
     * @param output what the output is, for the message ("its thumbnail", "a copy of it")
     * @throws ImageTooLargeException naming the image's size, what would be needed and the limit
     */
    public void require(int width, int height, RenderSpec spec, String output) {
        requireSides(width, height);
        long needed = peakPixels(width, height, spec);
        if (needed > pixels) {
            throw new ImageTooLargeException(
                    "The image is " + width + "×" + height + " pixels: making " + output + " would hold "
                            + megapixels(needed) + " megapixels at once, more than the " + megapixels(pixels)
                            + " this server allows for one image.");
        }
    }

    private static String megapixels(long pixels) {
        return String.format(Locale.ROOT, "%.1f", pixels / 1_000_000.0);
    }

    @Override
    public String toString() {
        return "PixelBudget[" + pixels + " pixels, sides ≤ " + MAX_SIDE + "]";
    }
}
