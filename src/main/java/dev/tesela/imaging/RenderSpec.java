package dev.tesela.imaging;

import java.util.Objects;

/**
 * One output an {@link ImageProcessor} is asked to write.
 *
 * @param fit           how the source is sized into {@code width} × {@code height}
 * @param width         target width in pixels (&gt; 0 unless {@code fit} is {@link Fit#NONE})
 * @param height        target height in pixels; 0 with {@link Fit#WITHIN} means "any height" (keep the ratio)
 * @param format        the encoding to write; the engine must list it in {@link ImageProcessor#encodes()}
 * @param keepAnimation keep every frame when the source is animated and {@code format} can animate; otherwise the
 *                      output is the first frame. {@link Fit#COVER} outputs are always a single frame.
 * @param quality       1–100 for lossy encoders (JPEG, WebP, AVIF, HEIC); ignored by lossless ones
 */
public record RenderSpec(Fit fit, int width, int height, ImageFormat format, boolean keepAnimation, int quality) {
    public RenderSpec {
        Objects.requireNonNull(fit);
        Objects.requireNonNull(format);
        if (fit != Fit.NONE && width <= 0) {
            throw new IllegalArgumentException("width must be positive for " + fit);
        }
        if (fit == Fit.COVER && height <= 0) {
            throw new IllegalArgumentException("COVER needs a height");
        }
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("quality must be 1..100: " + quality);
        }
    }

    /** How an engine sizes the (auto-oriented) source into the target box. */
    public enum Fit {
        /** Scale to cover width × height exactly, then crop the centre. Upscales small sources. Single frame. */
        COVER,
        /** Scale down to fit inside width × height (height 0 = unbounded), keeping the ratio. Never upscales. */
        WITHIN,
        /** Keep the size; only orient, convert and strip. */
        NONE
    }
}
