package dev.tesela.imaging;

import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.file.Path;

/**
 * EXIF orientation for the Java engine: read with metadata-extractor, applied with exact pixel moves (no
 * resampling). Values follow the EXIF spec: 1 = upright, 2 = mirrored, 3 = 180°, 4 = flipped, 5 = transposed,
 * 6 = needs 90° clockwise, 7 = transversed, 8 = needs 90° counter-clockwise.
 */
final class Orientation {
    static final int UPRIGHT = 1;

    private Orientation() {}

    /**
     * The orientation tag of {@code source} (JPEG, PNG eXIf, WebP EXIF); {@link #UPRIGHT} for GIF and BMP, when there
     * is none, or when the metadata cannot be read (bad metadata must not fail an image that decodes).
     */
    static int of(Path source, ImageFormat format) {
        if (format == ImageFormat.GIF || format == ImageFormat.BMP) {
            return UPRIGHT;
        }
        try {
            // Through the bounded reader: metadata-extractor on the whole file inflates PNG text and iCCP chunks
            // without limit (a 400 KB zTXt became 400 MB of heap).
            Metadata metadata = MetadataSource.read(source, format).metadata();
            for (ExifIFD0Directory dir : metadata.getDirectoriesOfType(ExifIFD0Directory.class)) {
                Integer value = dir.getInteger(ExifIFD0Directory.TAG_ORIENTATION);
                if (value != null && value >= 1 && value <= 8) {
                    return value;
                }
            }
        } catch (UnsupportedImageException | JpegProcessingException | IOException | RuntimeException e) {
            // unreadable metadata: treat as upright
        }
        return UPRIGHT;
    }

    /** Whether applying {@code orientation} exchanges width and height (5–8). */
    static boolean swapsAxes(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /**
     * {@code image} turned upright. {@code image} must be one of the int-packed types (RGB, ARGB, ARGB_PRE); the
     * result has the same type. Returns {@code image} itself for {@link #UPRIGHT}.
     */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation <= UPRIGHT || orientation > 8) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swap = swapsAxes(orientation);
        int outW = swap ? h : w;
        BufferedImage out = new BufferedImage(outW, swap ? w : h, image.getType());
        int[] src = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                // (dx, dy): where stored pixel (x, y) is seen once upright
                int dx;
                int dy;
                switch (orientation) {
                    case 2 -> {
                        dx = w - 1 - x;
                        dy = y;
                    }
                    case 3 -> {
                        dx = w - 1 - x;
                        dy = h - 1 - y;
                    }
                    case 4 -> {
                        dx = x;
                        dy = h - 1 - y;
                    }
                    case 5 -> {
                        dx = y;
                        dy = x;
                    }
                    case 6 -> {
                        dx = h - 1 - y;
                        dy = x;
                    }
                    case 7 -> {
                        dx = h - 1 - y;
                        dy = w - 1 - x;
                    }
                    default -> {
                        dx = y;
                        dy = w - 1 - x;
                    } // 8
                }
                dst[dy * outW + dx] = src[row + x];
            }
        }
        return out;
    }
}
