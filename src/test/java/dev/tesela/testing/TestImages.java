package dev.tesela.testing;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Small real images made in memory for upload tests. */
public final class TestImages {
    private TestImages() {}

    /** A JPEG of {@code width} × {@code height} with a gradient and a seed-dependent block (distinct content per seed). */
    public static byte[] jpeg(int width, int height, int seed) {
        return encode(picture(width, height, seed, BufferedImage.TYPE_INT_RGB), "jpeg");
    }

    public static byte[] png(int width, int height, int seed) {
        return encode(picture(width, height, seed, BufferedImage.TYPE_INT_ARGB), "png");
    }

    /** Width and height of an encoded image, read with ImageIO. */
    public static int[] size(byte[] encoded) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(encoded));
            if (img == null) {
                throw new AssertionError("not a readable image (" + encoded.length + " bytes)");
            }
            return new int[] {img.getWidth(), img.getHeight()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage picture(int width, int height, int seed, int type) {
        BufferedImage img = new BufferedImage(width, height, type);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(30, 90, 160), width, height, new Color(240, 200, 60)));
        g.fillRect(0, 0, width, height);
        g.setColor(new Color((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256));
        g.fillRect(width / 4, height / 4, width / 3, height / 3);
        g.dispose();
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
