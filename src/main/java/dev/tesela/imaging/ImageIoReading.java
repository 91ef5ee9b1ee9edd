package dev.tesela.imaging;

import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ComponentColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;

/**
 * Still-image decoding for the Java engine through ImageIO (TwelveMonkeys for JPEG, webp-imageio for WebP, the JDK
 * for PNG, GIF and BMP).
 *
 * <p>Contract: the result is the first image, as {@code TYPE_INT_RGB} or (with alpha) {@code TYPE_INT_ARGB_PRE},
 * 8 bits per channel, sRGB (16-bit and grey sources are converted; CMYK/YCCK JPEGs and JPEG ICC profiles by
 * TwelveMonkeys, PNG iCCP profiles here; a WebP's ICC profile is ignored).
 * A source that cannot be decoded, including one the reader only warns about being truncated ("Premature end of
 * JPEG file"), fails with {@link ImageDecodeException}; no half-grey image gets through.
 */
final class ImageIoReading {
    /** Reader warnings that mean the pixel data is incomplete. */
    private static final List<String> TRUNCATION_WARNINGS = List.of("premature end", "truncat", "unexpected end");
    /** Largest ICC profile inflated from a PNG iCCP chunk (real ones are a few KB, rarely over 1 MB). */
    private static final int MAX_PROFILE_BYTES = 4 << 20;

    private ImageIoReading() {}

    /**
     * What to decode of an image: {@code region} of it (stored pixels, within the image), keeping every
     * {@code subsampling}-th pixel and row of that (1 = every pixel; fast and memory-light).
     */
    record Window(Rectangle region, int subsampling) {}

    /**
     * Decodes the first image of {@code source}: the {@link Window} that {@code window} returns for the stored width
     * and height the reader found (it may throw, e.g. {@link ImageTooLargeException}, to refuse before any pixel is
     * decoded; that passes through). A reader that ignores source regions returns the whole image, subsampled.
     *
     * @throws ImageDecodeException when no reader accepts the file or decoding fails
     * @throws IOException          when the file cannot be opened
     */
    static BufferedImage read(Path source, BiFunction<Integer, Integer, Window> window) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(source.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + source);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException("no ImageIO reader recognises " + source.getFileName());
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            IIOReadWarningListener listener = (r, warning) -> warnings.add(warning);
            reader.addIIOReadWarningListener(listener);
            try {
                reader.setInput(in, true, false); // metadata wanted: the PNG iCCP chunk
                ImageReadParam param = reader.getDefaultReadParam();
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                Window wanted = window.apply(width, height);
                if (!wanted.region().equals(new Rectangle(0, 0, width, height))) {
                    param.setSourceRegion(wanted.region());
                }
                if (wanted.subsampling() > 1) {
                    param.setSourceSubsampling(wanted.subsampling(), wanted.subsampling(), 0, 0);
                }
                BufferedImage image = reader.read(0, param);
                for (String warning : warnings) {
                    String lower = String.valueOf(warning).toLowerCase(Locale.ROOT);
                    if (TRUNCATION_WARNINGS.stream().anyMatch(lower::contains)) {
                        throw new ImageDecodeException("truncated image: " + warning);
                    }
                }
                return normalised(withEmbeddedProfile(image, reader));
            } catch (ImageDecodeException | ImageTooLargeException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new ImageDecodeException("cannot decode " + source.getFileName() + ": " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * {@code image} converted to sRGB when its PNG iCCP chunk says its samples are in another space (the JDK's PNG
     * reader ignores the chunk; TwelveMonkeys already applies JPEG profiles). Otherwise {@code image} itself, also
     * when the profile is unusable or does not fit the image (indexed PNGs, grey profile on RGB data).
     */
    private static BufferedImage withEmbeddedProfile(BufferedImage image, ImageReader reader) throws IOException {
        if (!"png".equalsIgnoreCase(reader.getFormatName())
                || !(image.getColorModel() instanceof ComponentColorModel model)) {
            return image;
        }
        IIOMetadata metadata = reader.getImageMetadata(0);
        Node tree = metadata == null ? null : metadata.getAsTree("javax_imageio_png_1.0");
        for (Node n = tree == null ? null : tree.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals("iCCP") && ((IIOMetadataNode) n).getUserObject() instanceof byte[] data) {
                return convertedFrom(image, model, data);
            }
        }
        return image;
    }

    private static BufferedImage convertedFrom(BufferedImage image, ComponentColorModel model, byte[] iccp) {
        ColorSpace space;
        try {
            space = new ICC_ColorSpace(ICC_Profile.getInstance(inflatedOrAsIs(iccp)));
        } catch (IllegalArgumentException e) {
            return image; // not a valid profile: take the samples as sRGB
        }
        if (space.getNumComponents() != model.getNumColorComponents() || space.isCS_sRGB()) {
            return image;
        }
        ComponentColorModel relabelled = new ComponentColorModel(
                space,
                model.hasAlpha(),
                model.isAlphaPremultiplied(),
                model.getTransparency(),
                model.getTransferType());
        BufferedImage source = new BufferedImage(relabelled, image.getRaster(), image.isAlphaPremultiplied(), null);
        BufferedImage out = new BufferedImage(
                image.getWidth(),
                image.getHeight(),
                model.hasAlpha() ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        new ColorConvertOp(null).filter(source, out);
        return out;
    }

    /**
     * iCCP data as the JDK keeps it (zlib-compressed), or as it is if it does not inflate or inflates past
     * {@link #MAX_PROFILE_BYTES} (a zlib bomb of a few hundred KB would otherwise fill the heap; such a "profile" is
     * then not a valid one and the samples are taken as sRGB).
     */
    private static byte[] inflatedOrAsIs(byte[] data) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 4);
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return data;
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_PROFILE_BYTES) {
                    return data;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return data;
        } finally {
            inflater.end();
        }
    }

    /** {@code image} as TYPE_INT_RGB, or TYPE_INT_ARGB_PRE when it has alpha (the same object if it already is). */
    static BufferedImage normalised(BufferedImage image) {
        int type = image.getColorModel().hasAlpha() ? BufferedImage.TYPE_INT_ARGB_PRE : BufferedImage.TYPE_INT_RGB;
        if (image.getType() == type) {
            return image;
        }
        return converted(image, type);
    }

    /** A copy of {@code image} with pixel type {@code type} (colour conversion by Java2D). */
    static BufferedImage converted(BufferedImage image, int type) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), type);
        Graphics2D g = out.createGraphics();
        try {
            g.setComposite(AlphaComposite.Src);
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
