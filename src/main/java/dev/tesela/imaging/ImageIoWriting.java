package dev.tesela.imaging;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Still-image encoding for the Java engine through ImageIO: JPEG (TwelveMonkeys / JDK), PNG, GIF and BMP (JDK), WebP
 * (webp-imageio, lossy). No metadata is passed to the writers, so outputs carry none (JPEG gets a bare JFIF header).
 * JPEG and BMP have no alpha: such images are flattened on white first. Lossy formats use {@code quality} (1–100).
 */
final class ImageIoWriting {
    private ImageIoWriting() {}

    /** The ImageIO format name of {@code format}, which must be one of the formats this class writes. */
    static String writerName(ImageFormat format) {
        return switch (format) {
            case JPEG -> "jpeg";
            case PNG -> "png";
            case GIF -> "gif";
            case WEBP -> "webp";
            case BMP -> "bmp";
            case AVIF, HEIC -> throw new IllegalArgumentException("no ImageIO writer for " + format);
        };
    }

    /** Whether an ImageIO writer for {@code format} is installed. */
    static boolean canWrite(ImageFormat format) {
        return format != ImageFormat.AVIF
                && format != ImageFormat.HEIC
                && ImageIO.getImageWritersByFormatName(writerName(format)).hasNext();
    }

    /**
     * Writes {@code image} (any int-packed type from {@link ImageIoReading}) to the empty file {@code file}.
     *
     * @throws ImageDecodeException when the encoder cannot encode this image (libwebp behind webp-imageio refuses
     *                              sides over 16383 by returning null, which surfaces as a NullPointerException)
     * @throws IOException          when the file cannot be written
     */
    static void write(BufferedImage image, ImageFormat format, int quality, Path file) throws IOException {
        BufferedImage pixels = switch (format) {
            case JPEG -> flattenedOnWhite(image, BufferedImage.TYPE_INT_RGB);
            case BMP -> flattenedOnWhite(image, BufferedImage.TYPE_3BYTE_BGR);
            default -> straightAlpha(image);
        };
        ImageWriter writer = writer(format);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(pixels, null, null), param(writer, format, quality));
        } catch (RuntimeException e) {
            throw new ImageDecodeException(
                    "the " + format + " encoder could not write a " + image.getWidth() + "×" + image.getHeight()
                            + " image: " + e,
                    e);
        } finally {
            writer.dispose();
        }
    }

    static ImageWriter writer(ImageFormat format) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(writerName(format));
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        return writers.next();
    }

    private static ImageWriteParam param(ImageWriter writer, ImageFormat format, int quality) {
        ImageWriteParam param = writer.getDefaultWriteParam();
        if (format == ImageFormat.JPEG || format == ImageFormat.WEBP) {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            String[] types = param.getCompressionTypes();
            if (format == ImageFormat.WEBP && types != null) {
                param.setCompressionType(Arrays.stream(types)
                        .filter(t -> t.toLowerCase(Locale.ROOT).equals("lossy"))
                        .findFirst()
                        .orElse(types[0]));
            }
            param.setCompressionQuality(quality / 100f);
        }
        return param;
    }

    /** {@code image} without alpha, composed over white, as {@code type}. */
    static BufferedImage flattenedOnWhite(BufferedImage image, int type) {
        if (image.getType() == type) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), type);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writers ignore premultiplication: hand them TYPE_INT_ARGB (or the opaque image as it is). */
    static BufferedImage straightAlpha(BufferedImage image) {
        return image.getType() == BufferedImage.TYPE_INT_ARGB_PRE
                ? ImageIoReading.converted(image, BufferedImage.TYPE_INT_ARGB)
                : image;
    }
}
