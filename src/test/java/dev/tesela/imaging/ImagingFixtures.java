package dev.tesela.imaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Test images made with Java2D/ImageIO, the committed fixtures of {@code src/test/resources/imaging/} (see the README
 * there), and ways to look into outputs without trusting the engine under test.
 */
final class ImagingFixtures {
    static final Color RED = new Color(255, 0, 0);
    static final Color GREEN = new Color(0, 192, 0);
    static final Color BLUE = new Color(0, 0, 255);
    static final Color YELLOW = new Color(255, 255, 0);

    private ImagingFixtures() {}

    // ---- generated ---------------------------------------------------------------------------------------------

    /** Four solid quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right. */
    static BufferedImage quadrants(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        int hw = width / 2;
        int hh = height / 2;
        fill(g, RED, 0, 0, hw, hh);
        fill(g, GREEN, hw, 0, width - hw, hh);
        fill(g, BLUE, 0, hh, hw, height - hh);
        fill(g, YELLOW, hw, hh, width - hw, height - hh);
        g.dispose();
        return image;
    }

    /** Left half fully transparent, right half opaque red. */
    /**
     * Red, with a green band across the middle of the long side (a fiftieth of it each way from the centre, at least
     * one pixel): whatever a centred crop keeps of an extreme aspect ratio is green, anything off-centre is red.
     */
    static BufferedImage centreBand(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        boolean wide = width >= height;
        int length = wide ? width : height;
        int half = Math.max(1, length / 50);
        Graphics2D g = image.createGraphics();
        try {
            fill(g, RED, 0, 0, width, height);
            if (wide) {
                fill(g, GREEN, length / 2 - half, 0, 2 * half, height);
            } else {
                fill(g, GREEN, 0, length / 2 - half, width, 2 * half);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    static BufferedImage halfTransparent(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = image.createGraphics();
        fill(g, RED, width / 2, 0, width - width / 2, height);
        g.dispose();
        return image;
    }

    /** Smooth colours plus noise, so that JPEG and PNG files are big enough to cut in half meaningfully. */
    static BufferedImage noisy(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (x * 255 / width + random.nextInt(40)) & 0xFF;
                int g = (y * 255 / height + random.nextInt(40)) & 0xFF;
                int b = ((x + y) * 127 / (width + height) + random.nextInt(40)) & 0xFF;
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    /** A 16-bit-per-channel RGB PNG: left half red, right half blue (as 16-bit samples). */
    static Path sixteenBitPng(Path dir, int width, int height) throws IOException {
        ComponentColorModel model = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(width, height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean left = x < width / 2;
                raster.setPixel(x, y, new int[] {left ? 65535 : 0, 0, left ? 0 : 65535});
            }
        }
        Path file = dir.resolve("sixteen.png");
        assertTrue(ImageIO.write(new BufferedImage(model, raster, false, null), "png", file.toFile()));
        assertTrue(pngBitDepth(file) == 16, "fixture is not 16-bit");
        return file;
    }

    /**
     * A PNG of {@code image} whose iCCP chunk embeds {@code profile} (inserted after IHDR by hand: ImageIO's PNG
     * writer has no simple way to do it).
     */
    static Path pngWithProfile(Path dir, String name, BufferedImage image, byte[] profile) throws IOException {
        Path file = png(dir, name, image);
        byte[] png = Files.readAllBytes(file);
        java.io.ByteArrayOutputStream deflated = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(deflated)) {
            z.write(profile);
        }
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        data.write("icc\0".getBytes(StandardCharsets.ISO_8859_1));
        data.write(0); // compression method: deflate
        data.write(deflated.toByteArray());
        byte[] body = data.toByteArray();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("iCCP".getBytes(StandardCharsets.ISO_8859_1));
        crc.update(body);
        ByteBuffer chunk = ByteBuffer.allocate(12 + body.length);
        chunk.putInt(body.length)
                .put("iCCP".getBytes(StandardCharsets.ISO_8859_1))
                .put(body)
                .putInt((int) crc.getValue());
        int afterIhdr = 8 + 8 + 13 + 4;
        byte[] out = new byte[png.length + chunk.capacity()];
        System.arraycopy(png, 0, out, 0, afterIhdr);
        System.arraycopy(chunk.array(), 0, out, afterIhdr, chunk.capacity());
        System.arraycopy(png, afterIhdr, out, afterIhdr + chunk.capacity(), png.length - afterIhdr);
        return Files.write(file, out);
    }

    /** A JPEG of {@code image} with {@code profile} (under 64 KB) in an APP2 ICC_PROFILE segment right after SOI. */
    static Path jpegWithProfile(Path dir, String name, BufferedImage image, byte[] profile) throws IOException {
        Path file = jpeg(dir, name, image, 95);
        byte[] jpeg = Files.readAllBytes(file);
        byte[] marker = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
        int length = 2 + marker.length + 2 + profile.length;
        ByteBuffer segment = ByteBuffer.allocate(2 + length);
        segment.put((byte) 0xFF)
                .put((byte) 0xE2)
                .putShort((short) length)
                .put(marker)
                .put((byte) 1)
                .put((byte) 1)
                .put(profile);
        byte[] out = new byte[jpeg.length + segment.capacity()];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(segment.array(), 0, out, 2, segment.capacity());
        System.arraycopy(jpeg, 2, out, 2 + segment.capacity(), jpeg.length - 2);
        return Files.write(file, out);
    }

    static Path png(Path dir, String name, BufferedImage image) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(image, "png", file.toFile()), "no PNG writer");
        return file;
    }

    static Path bmp(Path dir, String name, BufferedImage image) throws IOException {
        BufferedImage bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        bgr.createGraphics().drawImage(image, 0, 0, null);
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(bgr, "bmp", file.toFile()), "no BMP writer");
        return file;
    }

    static Path jpeg(Path dir, String name, BufferedImage image, int quality) throws IOException {
        Path file = dir.resolve(name);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    static Path webp(Path dir, String name, BufferedImage image) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(image, "webp", file.toFile()), "no WebP writer");
        return file;
    }

    /**
     * A 200×100 three-frame GIF, 20 cs per frame, looping forever. Frame 0: all red. Frame 1: only a 100×100 green
     * patch at x=100 (disposal "none"), so it is seen as red left, green right. Frame 2: all blue.
     */
    static Path animatedGif(Path dir) throws IOException {
        Path file = dir.resolve("animated.gif");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            writeGifFrame(writer, solid(200, 100, RED), 0, 0, true);
            writeGifFrame(writer, solid(100, 100, GREEN), 100, 0, false);
            writeGifFrame(writer, solid(200, 100, BLUE), 0, 0, false);
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return file;
    }

    private static void writeGifFrame(ImageWriter writer, BufferedImage frame, int left, int top, boolean first)
            throws IOException {
        String format = "javax_imageio_gif_image_1.0";
        IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
        IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
        IIOMetadataNode descriptor =
                (IIOMetadataNode) root.getElementsByTagName("ImageDescriptor").item(0);
        descriptor.setAttribute("imageLeftPosition", Integer.toString(left));
        descriptor.setAttribute("imageTopPosition", Integer.toString(top));
        IIOMetadataNode control = new IIOMetadataNode("GraphicControlExtension");
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("delayTime", "20");
        control.setAttribute("transparentColorIndex", "0");
        root.appendChild(control);
        if (first) {
            IIOMetadataNode extensions = new IIOMetadataNode("ApplicationExtensions");
            IIOMetadataNode netscape = new IIOMetadataNode("ApplicationExtension");
            netscape.setAttribute("applicationID", "NETSCAPE");
            netscape.setAttribute("authenticationCode", "2.0");
            netscape.setUserObject(new byte[] {1, 0, 0});
            extensions.appendChild(netscape);
            root.appendChild(extensions);
        }
        metadata.setFromTree(format, root);
        writer.writeToSequence(new IIOImage(frame, null, metadata), null);
    }

    static BufferedImage solid(int width, int height, Color colour) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        fill(g, colour, 0, 0, width, height);
        g.dispose();
        return image;
    }

    /** The first half of {@code file}'s bytes, as {@code name}. */
    static Path truncated(Path file, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return Files.write(file.resolveSibling(name), Arrays.copyOf(bytes, bytes.length / 2));
    }

    static Path garbage(Path dir, String name, int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        bytes[0] = 0x13; // not a JPEG/PNG/GIF/RIFF/BM magic by accident
        return Files.write(dir.resolve(name), bytes);
    }

    /** A committed fixture of src/test/resources/imaging/, copied into {@code dir}. */
    static Path resource(Path dir, String name) {
        try (InputStream in = ImagingFixtures.class.getResourceAsStream("/imaging/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource imaging/" + name);
            }
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void fill(Graphics2D g, Color colour, int x, int y, int w, int h) {
        g.setColor(colour);
        g.fillRect(x, y, w, h);
    }

    // ---- inspection --------------------------------------------------------------------------------------------

    /** The first image of {@code file} through ImageIO (JPEG, PNG, GIF, WebP, BMP). */
    static BufferedImage read(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        assertTrue(image != null, "ImageIO cannot read " + file.getFileName());
        return image;
    }

    /** Frames of a GIF according to the JDK's reader. */
    static int gifFrames(Path file) throws IOException {
        try (GifAnimation.Frames frames = new GifAnimation.Frames(file)) {
            return frames.count();
        }
    }

    /** Frames of a WebP: the number of ANMF chunks, or 1 for a still WebP. */
    static int webpFrames(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int frames = 0;
        for (int pos = 12; pos + 8 <= bytes.length; ) {
            String type = new String(bytes, pos, 4, StandardCharsets.ISO_8859_1);
            long size = ByteBuffer.wrap(bytes, pos + 4, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt()
                    & 0xFFFFFFFFL;
            if (type.equals("ANMF")) {
                frames++;
            }
            pos += (int) (8 + size + (size & 1));
        }
        return Math.max(1, frames);
    }

    /** Bit depth from a PNG's IHDR. */
    static int pngBitDepth(Path file) throws IOException {
        byte[] head = Arrays.copyOf(Files.readAllBytes(file), 26);
        return head[24];
    }

    /** Whether the file starts with the magic bytes of {@code format}. */
    static boolean hasMagic(Path file, ImageFormat format) throws IOException {
        byte[] b = Arrays.copyOf(Files.readAllBytes(file), 16);
        String ascii = new String(b, StandardCharsets.ISO_8859_1);
        return switch (format) {
            case JPEG -> (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8;
            case PNG -> (b[0] & 0xFF) == 0x89 && ascii.startsWith("PNG", 1);
            case GIF -> ascii.startsWith("GIF8");
            case WEBP -> ascii.startsWith("RIFF") && ascii.startsWith("WEBP", 8);
            case BMP -> ascii.startsWith("BM");
            case AVIF -> ascii.startsWith("ftypavif", 4) || ascii.startsWith("ftypavis", 4);
            case HEIC ->
                ascii.startsWith("ftyphei", 4) || ascii.startsWith("ftypmif1", 4) || ascii.startsWith("ftypheix", 4);
        };
    }
}
