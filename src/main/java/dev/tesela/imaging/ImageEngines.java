package dev.tesela.imaging;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the image engine at start-up. */
public final class ImageEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ImageEngines.class);

    private ImageEngines() {}

    /**
     * {@link #select} on first use rather than now (a bad choice, e.g. {@code vips} without libvips, then fails at
     * that first use: {@code serve} makes an explicit {@code vips} at start-up, and leaves {@code auto} and
     * {@code java} to the first image).
     */
    public static ImageProcessor lazy(String choice, PixelBudget budget) {
        return new LazyProcessor(() -> select(choice, budget));
    }

    /**
     * The engine for {@code choice} (case-insensitive; null or blank = {@code auto}), logged at INFO:
     * <ul>
     *   <li>{@code auto}: libvips when {@code libvips.so.42} loads, else the pure-Java engine;</li>
     *   <li>{@code vips}: libvips, or {@link IllegalStateException} saying why it could not be loaded;</li>
     *   <li>{@code java}: the pure-Java engine (ImageIO + Thumbnailator; no AVIF/HEIC).</li>
     * </ul>
     * With libvips, formats only Java reads (BMP) are routed to the Java engine ({@link RoutingProcessor}). Every
     * engine refuses a render that would exceed {@code budget} ({@link ImageTooLargeException}).
     *
     * @throws IllegalArgumentException for any other choice
     */
    public static ImageProcessor select(String choice, PixelBudget budget) {
        String normalised =
                choice == null || choice.isBlank() ? "auto" : choice.strip().toLowerCase(Locale.ROOT);
        ImageProcessor engine = switch (normalised) {
            case "java" -> new JavaProcessor(budget);
            case "vips" -> {
                try {
                    yield withJavaFallback(VipsProcessor.load(budget), budget);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(
                            "image engine 'vips' was chosen but " + e.getMessage()
                                    + "; install libvips 8.x (Debian: apt-get install libvips42) or choose 'auto' or 'java'",
                            e);
                }
            }
            case "auto" -> {
                try {
                    yield withJavaFallback(VipsProcessor.load(budget), budget);
                } catch (IllegalStateException e) {
                    LOG.info("Image engine: using pure Java because {}", e.getMessage());
                    yield new JavaProcessor(budget);
                }
            }
            default ->
                throw new IllegalArgumentException("unknown image engine '" + choice + "': use auto, vips or java");
        };
        LOG.info(
                "Image engine: {} (chosen by '{}'); reads {}, writes {}; at most {} pixels per job",
                engine.description(),
                normalised,
                engine.decodes(),
                engine.encodes(),
                budget.pixels());
        return engine;
    }

    private static ImageProcessor withJavaFallback(ImageProcessor vips, PixelBudget budget) {
        JavaProcessor java = new JavaProcessor(budget);
        return vips.decodes().containsAll(java.decodes()) ? vips : new RoutingProcessor(vips, java);
    }
}
