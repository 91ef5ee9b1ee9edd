package dev.tesela.imaging;

/**
 * What the header of an image file says, read without decoding pixels.
 *
 * @param format detected from magic bytes, never from a name or a client-declared type
 * @param width  pixels, &gt; 0, as stored (before any EXIF orientation is applied)
 * @param height pixels, &gt; 0, as stored
 * @param frames 1 for still images; the frame count of animations (&gt;= 2 means animated)
 */
public record ImageInfo(ImageFormat format, int width, int height, int frames) {
    public ImageInfo {
        if (width <= 0 || height <= 0 || frames <= 0) {
            throw new IllegalArgumentException(
                    "dimensions and frames must be positive: " + width + "x" + height + "x" + frames);
        }
    }

    public boolean animated() {
        return frames > 1;
    }

    public long pixels() {
        return (long) width * height;
    }
}
