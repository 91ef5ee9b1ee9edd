package dev.tesela.imaging;

import static dev.tesela.imaging.ImagingFixtures.BLUE;
import static dev.tesela.imaging.ImagingFixtures.GREEN;
import static dev.tesela.imaging.ImagingFixtures.RED;
import static dev.tesela.imaging.ImagingFixtures.YELLOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.GpsDirectory;
import dev.tesela.imaging.RenderSpec.Fit;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link ImageProcessor} contract, run against every engine. Fixtures are generated with Java2D/ImageIO or come
 * from src/test/resources/imaging/ (EXIF-oriented and CMYK JPEGs, animated WebP, AVIF, HEIC). Pixel checks use a
 * tolerance because lossy codecs and resamplers differ between engines.
 *
 * <p>Engine-specific behaviour is declared, not tested around: {@link #animatedTargets()} says which formats the
 * engine writes animated.
 */
abstract class ImageProcessorContract {
    /**
     * The per-job budget the engines under test get: 16 MP, above every fixture here (12 MP at most) and below the
     * forged sizes the refusal tests claim.
     */
    static final PixelBudget BUDGET = new PixelBudget(16_000_000L);
    /** Tolerance per channel for colour checks through lossy codecs and resampling. */
    private static final int TOLERANCE = 60;

    @TempDir
    Path dir;

    /** The engine under test. */
    abstract ImageProcessor processor();

    /** Target formats into which this engine keeps an animated GIF's frames (WITHIN/NONE with keepAnimation). */
    abstract Set<ImageFormat> animatedTargets();

    // ---- orientation and metadata ------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Fit.class)
    void exifOrientation6ComesOutUpright(Fit fit) throws IOException {
        Path source = ImagingFixtures.resource(dir, "orientation6.jpg"); // stored 120×80, shown 80×120
        RenderSpec spec = switch (fit) {
            case COVER -> new RenderSpec(fit, 40, 60, ImageFormat.PNG, false, 90);
            case WITHIN -> new RenderSpec(fit, 500, 0, ImageFormat.PNG, false, 90);
            case NONE -> new RenderSpec(fit, 0, 0, ImageFormat.PNG, false, 90);
        };
        Path out = dir.resolve("upright.png");
        Rendered rendered = processor().render(source, new ImageInfo(ImageFormat.JPEG, 120, 80, 1), spec, out);

        int w = fit == Fit.COVER ? 40 : 80;
        int h = fit == Fit.COVER ? 60 : 120;
        assertEquals(new Rendered(ImageFormat.PNG, w, h, 1, Files.size(out)), rendered);
        BufferedImage image = ImagingFixtures.read(out);
        assertEquals(w, image.getWidth());
        assertEquals(h, image.getHeight());
        // Rotated 90° clockwise: stored bottom-left (blue) is now top-left, stored top-left (red) top-right.
        assertColour(image, w / 4, h / 4, BLUE);
        assertColour(image, w * 3 / 4, h / 4, RED);
        assertColour(image, w * 3 / 4, h * 3 / 4, GREEN);
        assertColour(image, w / 4, h * 3 / 4, YELLOW);
    }

    @Test
    void outputsCarryNoMetadata() throws IOException {
        Path source = ImagingFixtures.resource(dir, "orientation6.jpg"); // has Orientation, Make, Model, GPS
        for (ImageFormat format : processor().encodes()) {
            Path out = dir.resolve("stripped." + format.extension());
            processor()
                    .render(
                            source,
                            new ImageInfo(ImageFormat.JPEG, 120, 80, 1),
                            new RenderSpec(Fit.WITHIN, 60, 0, format, false, 80),
                            out);
            Metadata metadata = readMetadata(out);
            List<String> found = new ArrayList<>();
            for (Directory d : metadata.getDirectories()) {
                if (d instanceof GpsDirectory) {
                    found.add("GPS");
                }
                if (d instanceof ExifIFD0Directory ifd0) {
                    for (int tag : new int[] {
                        ExifIFD0Directory.TAG_ORIENTATION, ExifIFD0Directory.TAG_MAKE, ExifIFD0Directory.TAG_MODEL
                    }) {
                        if (ifd0.containsTag(tag)) {
                            found.add(ifd0.getTagName(tag));
                        }
                    }
                }
            }
            assertEquals(List.of(), found, format + " output still carries EXIF");
        }
    }

    // ---- alpha -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(
            value = ImageFormat.class,
            names = {"PNG", "WEBP", "GIF"})
    void alphaSurvivesInFormatsWithAlpha(ImageFormat format) throws IOException {
        Path source = ImagingFixtures.png(dir, "alpha.png", ImagingFixtures.halfTransparent(200, 100));
        Path out = dir.resolve("alpha." + format.extension());
        processor()
                .render(
                        source,
                        new ImageInfo(ImageFormat.PNG, 200, 100, 1),
                        new RenderSpec(Fit.WITHIN, 100, 0, format, false, 90),
                        out);
        BufferedImage image = decoded(out, format);
        assertTrue(image.getColorModel().hasAlpha(), format + " output lost its alpha channel");
        assertTrue(
                alpha(image, 20, 25) < 16,
                format + ": left half should stay transparent, alpha " + alpha(image, 20, 25));
        assertEquals(255, alpha(image, 80, 25), format + ": right half should stay opaque");
        assertColour(image, 80, 25, RED);
    }

    @Test
    void jpegFromAlphaIsFlattenedOnWhite() throws IOException {
        Path source = ImagingFixtures.png(dir, "alpha.png", ImagingFixtures.halfTransparent(200, 100));
        Path out = dir.resolve("flat.jpeg");
        processor()
                .render(
                        source,
                        new ImageInfo(ImageFormat.PNG, 200, 100, 1),
                        new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.JPEG, false, 90),
                        out);
        BufferedImage image = ImagingFixtures.read(out);
        assertFalse(image.getColorModel().hasAlpha());
        assertColour(image, 20, 25, Color.WHITE);
        assertColour(image, 80, 25, RED);
    }

    // ---- animation ---------------------------------------------------------------------------------------------

    @Test
    void withinKeepsAnimationInAnimatedTargets() throws IOException {
        Path source = ImagingFixtures.animatedGif(dir);
        ImageInfo info = new ImageInfo(ImageFormat.GIF, 200, 100, 3);
        for (ImageFormat format : animatedTargets()) {
            Path out = dir.resolve("animated." + format.extension());
            Rendered rendered =
                    processor().render(source, info, new RenderSpec(Fit.WITHIN, 100, 0, format, true, 80), out);
            assertEquals(new Rendered(format, 100, 50, 3, Files.size(out)), rendered, format.toString());
            if (format == ImageFormat.GIF) {
                assertGifFrames(out);
            } else {
                assertEquals(3, ImagingFixtures.webpFrames(out), "frames in the WebP");
            }
        }
    }

    @Test
    void gifStaysAnimatedInBothEngines() {
        assertTrue(animatedTargets().contains(ImageFormat.GIF), "every engine keeps GIF animation");
    }

    @Test
    void coverAndStillTargetsGiveOneFrame() throws IOException {
        Path source = ImagingFixtures.animatedGif(dir);
        ImageInfo info = new ImageInfo(ImageFormat.GIF, 200, 100, 3);

        Path cover = dir.resolve("cover.gif");
        Rendered rendered =
                processor().render(source, info, new RenderSpec(Fit.COVER, 50, 50, ImageFormat.GIF, true, 80), cover);
        assertEquals(new Rendered(ImageFormat.GIF, 50, 50, 1, Files.size(cover)), rendered);
        assertEquals(1, ImagingFixtures.gifFrames(cover));

        Path notKept = dir.resolve("first.gif");
        rendered = processor()
                .render(source, info, new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.GIF, false, 80), notKept);
        assertEquals(1, rendered.frames());
        assertEquals(1, ImagingFixtures.gifFrames(notKept));
        assertColour(ImagingFixtures.read(notKept), 80, 25, RED);

        Path jpeg = dir.resolve("first.jpeg");
        rendered =
                processor().render(source, info, new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.JPEG, true, 80), jpeg);
        assertEquals(new Rendered(ImageFormat.JPEG, 100, 50, 1, Files.size(jpeg)), rendered);
        assertColour(ImagingFixtures.read(jpeg), 50, 25, RED);
    }

    /** Frame 1 of the fixture is a partial frame: composed, it is red on the left and green on the right. */
    private static void assertGifFrames(Path out) throws IOException {
        try (GifAnimation.Frames frames = new GifAnimation.Frames(out)) {
            assertEquals(3, frames.count(), "frames in the GIF");
            assertEquals(100, frames.width());
            assertEquals(50, frames.height());
            assertEquals(0, frames.loops(), "loops forever");
            BufferedImage f0 = frames.next();
            assertColour(f0, 50, 25, RED);
            assertEquals(20, frames.delay());
            BufferedImage f1 = frames.next();
            assertColour(f1, 20, 25, RED);
            assertColour(f1, 80, 25, GREEN);
            assertColour(frames.next(), 50, 25, BLUE);
        }
    }

    // ---- colour and depth --------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(
            value = ImageFormat.class,
            names = {"JPEG", "PNG"})
    void cmykJpegBecomesSrgb(ImageFormat format) throws IOException {
        Path source = ImagingFixtures.resource(dir, "cmyk.jpg"); // 120×80, left half red, right half blue, in CMYK
        Path out = dir.resolve("cmyk." + format.extension());
        processor()
                .render(
                        source,
                        new ImageInfo(ImageFormat.JPEG, 120, 80, 1),
                        new RenderSpec(Fit.NONE, 0, 0, format, false, 90),
                        out);
        BufferedImage image = ImagingFixtures.read(out);
        assertEquals(3, image.getColorModel().getNumColorComponents());
        assertTrue(image.getColorModel().getColorSpace().isCS_sRGB(), "sRGB output");
        int left = image.getRGB(20, 40);
        int right = image.getRGB(100, 40);
        assertTrue(
                red(left) > 150 && red(left) > 3 * Math.max(green(left), blue(left)) / 2,
                "left should be red, was " + hex(left));
        assertTrue(
                blue(right) > 80 && blue(right) > 3 * Math.max(red(right), green(right)) / 2,
                "right should be blue, was " + hex(right));
    }

    @ParameterizedTest
    @EnumSource(
            value = ImageFormat.class,
            names = {"JPEG", "PNG"})
    void embeddedProfileIsConvertedToSrgb(ImageFormat format) throws IOException {
        // Grey 64 in linear-light RGB is about 137 in sRGB: an engine that drops the profile without converting
        // leaves it at 64.
        byte[] linear = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB)
                .getData();
        BufferedImage grey = ImagingFixtures.solid(40, 20, new Color(64, 64, 64));
        Path source = format == ImageFormat.PNG
                ? ImagingFixtures.pngWithProfile(dir, "linear.png", grey, linear)
                : ImagingFixtures.jpegWithProfile(dir, "linear.jpeg", grey, linear);
        Path out = dir.resolve("srgb.png");
        processor()
                .render(
                        source,
                        new ImageInfo(format, 40, 20, 1),
                        new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 90),
                        out);
        assertColour(ImagingFixtures.read(out), 20, 10, new Color(137, 137, 137), 20);
    }

    @Test
    void sixteenBitPngBecomesEightBit() throws IOException {
        Path source = ImagingFixtures.sixteenBitPng(dir, 64, 32);
        Path out = dir.resolve("eight.png");
        processor()
                .render(
                        source,
                        new ImageInfo(ImageFormat.PNG, 64, 32, 1),
                        new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 90),
                        out);
        assertEquals(8, ImagingFixtures.pngBitDepth(out), "bit depth of the output PNG");
        BufferedImage image = ImagingFixtures.read(out);
        assertColour(image, 10, 16, RED);
        assertColour(image, 54, 16, BLUE);
    }

    // ---- broken sources ----------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(
            value = ImageFormat.class,
            names = {"JPEG", "PNG"})
    void truncatedSourceFailsAndLeavesNothing(ImageFormat format) throws IOException {
        Path whole = format == ImageFormat.JPEG
                ? ImagingFixtures.jpeg(dir, "whole.jpeg", ImagingFixtures.noisy(400, 300, 1), 90)
                : ImagingFixtures.png(dir, "whole.png", ImagingFixtures.noisy(400, 300, 1));
        Path source = ImagingFixtures.truncated(whole, "half." + format.extension());
        Files.delete(whole);
        Path out = dir.resolve("out.jpeg");
        assertThrows(
                ImageDecodeException.class,
                () -> processor()
                        .render(
                                source,
                                new ImageInfo(format, 400, 300, 1),
                                new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.JPEG, false, 80),
                                out));
        assertOnlyFile(source);
    }

    @ParameterizedTest
    @EnumSource(
            value = ImageFormat.class,
            names = {"JPEG", "PNG", "GIF", "WEBP"})
    void garbageFailsAndLeavesNothing(ImageFormat claimed) throws IOException {
        Path source = ImagingFixtures.garbage(dir, "garbage.bin", 5000);
        Path out = dir.resolve("out.png");
        assertThrows(
                ImageDecodeException.class,
                () -> processor()
                        .render(
                                source,
                                new ImageInfo(claimed, 100, 100, 1),
                                new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.PNG, false, 80),
                                out));
        assertOnlyFile(source);
    }

    // ---- geometry ----------------------------------------------------------------------------------------------

    @Test
    void coverGivesExactlyTheBoxFromLandscapePortraitAndSmallSources() throws IOException {
        record Case(String name, int w, int h) {}
        for (Case c :
                List.of(new Case("landscape", 640, 480), new Case("portrait", 480, 640), new Case("small", 100, 50))) {
            Path source = ImagingFixtures.png(dir, c.name() + ".png", ImagingFixtures.quadrants(c.w(), c.h()));
            Path out = dir.resolve(c.name() + ".jpeg");
            Rendered rendered = processor()
                    .render(
                            source,
                            new ImageInfo(ImageFormat.PNG, c.w(), c.h(), 1),
                            new RenderSpec(Fit.COVER, 320, 320, ImageFormat.JPEG, false, 85),
                            out);
            assertEquals(new Rendered(ImageFormat.JPEG, 320, 320, 1, Files.size(out)), rendered, c.name());
            BufferedImage image = ImagingFixtures.read(out);
            assertEquals(320, image.getWidth(), c.name());
            assertEquals(320, image.getHeight(), c.name());
            // Centre crop of quadrants: each corner of the box is still in its own quadrant.
            assertColour(image, 40, 40, RED);
            assertColour(image, 280, 280, YELLOW);
        }
    }

    @Test
    void withinScalesDownToTheWidthAndNeverUp() throws IOException {
        Path big = ImagingFixtures.jpeg(dir, "big.jpeg", ImagingFixtures.quadrants(4000, 3000), 85);
        Path out = dir.resolve("medium.jpeg");
        Rendered rendered = processor()
                .render(
                        big,
                        new ImageInfo(ImageFormat.JPEG, 4000, 3000, 1),
                        new RenderSpec(Fit.WITHIN, 500, 0, ImageFormat.JPEG, false, 82),
                        out);
        assertEquals(new Rendered(ImageFormat.JPEG, 500, 375, 1, Files.size(out)), rendered);
        BufferedImage image = ImagingFixtures.read(out);
        assertEquals(500, image.getWidth());
        assertEquals(375, image.getHeight());
        assertColour(image, 125, 94, RED);
        assertColour(image, 375, 281, YELLOW);

        Path small = ImagingFixtures.png(dir, "small.png", ImagingFixtures.quadrants(300, 200));
        Path kept = dir.resolve("kept.png");
        rendered = processor()
                .render(
                        small,
                        new ImageInfo(ImageFormat.PNG, 300, 200, 1),
                        new RenderSpec(Fit.WITHIN, 500, 0, ImageFormat.PNG, false, 82),
                        kept);
        assertEquals(new Rendered(ImageFormat.PNG, 300, 200, 1, Files.size(kept)), rendered);
        assertEquals(300, ImagingFixtures.read(kept).getWidth());
    }

    @Test
    void withinHonoursABoundedHeight() throws IOException {
        Path source = ImagingFixtures.png(dir, "tall.png", ImagingFixtures.quadrants(400, 800));
        Path out = dir.resolve("boxed.png");
        Rendered rendered = processor()
                .render(
                        source,
                        new ImageInfo(ImageFormat.PNG, 400, 800, 1),
                        new RenderSpec(Fit.WITHIN, 500, 400, ImageFormat.PNG, false, 82),
                        out);
        assertEquals(new Rendered(ImageFormat.PNG, 200, 400, 1, Files.size(out)), rendered);
    }

    // ---- extreme aspect ratios ---------------------------------------------------------------------------------

    /**
     * A source a few KB large whose aspect ratio would make a one-step 320×320 cover a multi-gigapixel intermediate
     * (60000×1: 19,200,000×320) gives every output at its expected size, the thumbnail cut from the centre of the
     * source, and holds no more than the source or the box at once. 65535×1 is the largest aspect ratio accepted
     * ({@link PixelBudget#MAX_SIDE}).
     */
    @ParameterizedTest
    @CsvSource({
        "PNG,60000,1",
        "PNG,1,60000",
        "JPEG,60000,1",
        "JPEG,1,60000",
        "PNG,30000,2",
        "PNG,2,30000",
        "JPEG,30000,2",
        "PNG,65535,1",
        "PNG,1,65535"
    })
    void extremeAspectRatiosGiveEveryOutputWithinTheBudget(ImageFormat format, int width, int height)
            throws IOException {
        BufferedImage picture = ImagingFixtures.centreBand(width, height);
        Path source = format == ImageFormat.JPEG
                ? ImagingFixtures.jpeg(dir, "extreme.jpeg", picture, 95)
                : ImagingFixtures.png(dir, "extreme.png", picture);
        ImageInfo info = new ImageInfo(format, width, height, 1);
        RenderSpec thumb = new RenderSpec(Fit.COVER, 320, 320, ImageFormat.PNG, false, 85);
        assertTrue(
                PixelBudget.peakPixels(width, height, thumb) <= Math.max(320L * 320, (long) width * height),
                "the thumbnail's plan holds at most the source or the box: "
                        + PixelBudget.peakPixels(width, height, thumb));

        Path thumbFile = dir.resolve("thumb.png");
        assertEquals(
                new Rendered(ImageFormat.PNG, 320, 320, 1, -1),
                withoutSize(processor().render(source, info, thumb, thumbFile)));
        BufferedImage image = ImagingFixtures.read(thumbFile);
        for (int[] at : new int[][] {{160, 160}, {5, 5}, {314, 5}, {5, 314}, {314, 314}}) {
            assertColour(image, at[0], at[1], GREEN); // all of it from the centre of the source
        }

        int[] wide = within(width, height, 500, Integer.MAX_VALUE);
        assertEquals(
                new Rendered(ImageFormat.PNG, wide[0], wide[1], 1, -1),
                withoutSize(processor()
                        .render(
                                source,
                                info,
                                new RenderSpec(Fit.WITHIN, 500, 0, ImageFormat.PNG, false, 85),
                                dir.resolve("medium-width.png"))),
                "500 wide");
        int[] tall = within(width, height, Integer.MAX_VALUE, 500);
        assertEquals(
                new Rendered(ImageFormat.PNG, tall[0], tall[1], 1, -1),
                withoutSize(processor()
                        .render(
                                source,
                                info,
                                new RenderSpec(Fit.WITHIN, 1_000_000, 500, ImageFormat.PNG, false, 85),
                                dir.resolve("medium-height.png"))),
                "500 tall");
        assertEquals(
                new Rendered(ImageFormat.PNG, width, height, 1, -1),
                withoutSize(processor()
                        .render(
                                source,
                                info,
                                new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 85),
                                dir.resolve("copy.png"))),
                "unchanged size");
    }

    /** One more pixel than {@link PixelBudget#MAX_SIDE} is refused, whatever is asked, before the file is read. */
    @ParameterizedTest
    @CsvSource({"65536,1", "1,65536", "100000,2"})
    void aSideOverTheLimitIsRefusedBeforeReading(int width, int height) throws IOException {
        Path source = ImagingFixtures.garbage(dir, "claims-to-be-long.png", 2000); // never decoded
        for (RenderSpec spec : List.of(
                new RenderSpec(Fit.COVER, 320, 320, ImageFormat.PNG, false, 85),
                new RenderSpec(Fit.WITHIN, 500, 0, ImageFormat.PNG, false, 85),
                new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 85))) {
            ImageTooLargeException e = assertThrows(
                    ImageTooLargeException.class,
                    () -> processor()
                            .render(
                                    source,
                                    new ImageInfo(ImageFormat.PNG, width, height, 1),
                                    spec,
                                    dir.resolve("out.png")));
            assertTrue(
                    e.getMessage().startsWith("The image is " + width + "×" + height + " pixels: too "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("65,535 pixels on a side"), e.getMessage());
        }
        assertOnlyFile(source);
    }

    /**
     * A header within the side limit but over the per-job budget (or a box over it) is refused with the typed
     * refusal, not a decode error: the garbage behind the header is never read.
     */
    @Test
    void aRenderOverThePixelBudgetIsRefusedBeforeReading() throws IOException {
        Path source = ImagingFixtures.garbage(dir, "claims-to-be-big.png", 2000);
        ImageInfo big = new ImageInfo(ImageFormat.PNG, 5000, 4000, 1); // 20 MP > 16 MP
        for (RenderSpec spec : List.of(
                new RenderSpec(Fit.COVER, 320, 320, ImageFormat.PNG, false, 85),
                new RenderSpec(Fit.WITHIN, 500, 0, ImageFormat.PNG, false, 85),
                new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 85))) {
            ImageTooLargeException e = assertThrows(
                    ImageTooLargeException.class, () -> processor().render(source, big, spec, dir.resolve("out.png")));
            assertTrue(e.getMessage().startsWith("The image is 5000×4000 pixels: making "), e.getMessage());
            assertTrue(
                    e.getMessage().contains("20.0 megapixels at once, more than the 16.0 this server allows"),
                    e.getMessage());
        }
        // A small source whose box alone is over the budget (an upscaled 5000×4000 thumbnail).
        ImageTooLargeException e = assertThrows(
                ImageTooLargeException.class,
                () -> processor()
                        .render(
                                source,
                                new ImageInfo(ImageFormat.PNG, 10, 10, 1),
                                new RenderSpec(Fit.COVER, 5000, 4000, ImageFormat.PNG, false, 85),
                                dir.resolve("out.png")));
        assertTrue(e.getMessage().contains("a 5000×4000 thumbnail"), e.getMessage());
        assertOnlyFile(source);
    }

    /**
     * An output the target format cannot hold (WebP sides stop at 16383) fails as a decode failure of that render,
     * leaving nothing (the Java engine's WebP writer threw a NullPointerException: a 500).
     */
    @Test
    void anOutputTheFormatCannotHoldFailsAndLeavesNothing() throws IOException {
        Path source = ImagingFixtures.png(dir, "wide.png", ImagingFixtures.centreBand(20000, 2));
        assertThrows(
                ImageDecodeException.class,
                () -> processor()
                        .render(
                                source,
                                new ImageInfo(ImageFormat.PNG, 20000, 2, 1),
                                new RenderSpec(Fit.NONE, 0, 0, ImageFormat.WEBP, false, 80),
                                dir.resolve("wide.webp")));
        assertOnlyFile(source);
    }

    /** {@code width} × {@code height} scaled down (never up) to fit {@code boxW} × {@code boxH}, sides at least 1. */
    private static int[] within(int width, int height, int boxW, int boxH) {
        double scale = Math.min((double) boxW / width, (double) boxH / height);
        if (scale >= 1) {
            return new int[] {width, height};
        }
        return new int[] {Math.max(1, (int) Math.round(width * scale)), Math.max(1, (int) Math.round(height * scale))};
    }

    private static Rendered withoutSize(Rendered rendered) {
        assertTrue(rendered.byteSize() > 0, "an empty output");
        return new Rendered(rendered.format(), rendered.width(), rendered.height(), rendered.frames(), -1);
    }

    // ---- formats -----------------------------------------------------------------------------------------------

    @Test
    void everyEncodedFormatIsWrittenAndReadable() throws IOException {
        Path source = ImagingFixtures.png(dir, "quadrants.png", ImagingFixtures.quadrants(240, 160));
        assertTrue(
                processor()
                        .encodes()
                        .containsAll(Set.of(ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.WEBP)),
                "every engine writes JPEG, PNG, GIF and WebP: " + processor().encodes());
        for (ImageFormat format : processor().encodes()) {
            Path out = dir.resolve("encoded." + format.extension());
            Rendered rendered = processor()
                    .render(
                            source,
                            new ImageInfo(ImageFormat.PNG, 240, 160, 1),
                            new RenderSpec(Fit.WITHIN, 120, 0, format, false, 80),
                            out);
            assertEquals(new Rendered(format, 120, 80, 1, Files.size(out)), rendered, format.toString());
            assertTrue(ImagingFixtures.hasMagic(out, format), format + " output does not look like " + format);
            BufferedImage image = decoded(out, format);
            assertEquals(120, image.getWidth(), format.toString());
            assertEquals(80, image.getHeight(), format.toString());
            assertColour(image, 30, 20, RED);
            assertColour(image, 90, 60, YELLOW);
        }
    }

    @Test
    void everyDecodedFormatIsRead() throws IOException {
        BufferedImage quadrants = ImagingFixtures.quadrants(120, 80);
        for (ImageFormat format : processor().decodes()) {
            Path source = switch (format) {
                case JPEG -> ImagingFixtures.jpeg(dir, "in.jpeg", quadrants, 90);
                case PNG -> ImagingFixtures.png(dir, "in.png", quadrants);
                case GIF -> {
                    Path file = dir.resolve("in.gif");
                    javax.imageio.ImageIO.write(quadrants, "gif", file.toFile());
                    yield file;
                }
                case WEBP -> ImagingFixtures.webp(dir, "in.webp", quadrants);
                case BMP -> ImagingFixtures.bmp(dir, "in.bmp", quadrants);
                case AVIF -> ImagingFixtures.resource(dir, "quadrants.avif");
                case HEIC -> ImagingFixtures.resource(dir, "quadrants.heic");
            };
            Path out = dir.resolve("from-" + format.extension() + ".png");
            Rendered rendered = processor()
                    .render(
                            source,
                            new ImageInfo(format, 120, 80, 1),
                            new RenderSpec(Fit.WITHIN, 60, 0, ImageFormat.PNG, false, 80),
                            out);
            assertEquals(new Rendered(ImageFormat.PNG, 60, 40, 1, Files.size(out)), rendered, format.toString());
            BufferedImage image = ImagingFixtures.read(out);
            assertColour(image, 15, 10, RED);
            assertColour(image, 45, 30, YELLOW);
        }
    }

    @Test
    void unsupportedPairIsRefusedUpFront() {
        for (ImageFormat format : ImageFormat.values()) {
            if (!processor().encodes().contains(format)) {
                assertThrows(
                        IllegalArgumentException.class,
                        () -> processor()
                                .render(
                                        dir.resolve("x.png"),
                                        new ImageInfo(ImageFormat.PNG, 10, 10, 1),
                                        new RenderSpec(Fit.NONE, 0, 0, format, false, 80),
                                        dir.resolve("y")));
            }
        }
    }

    // ---- concurrency -------------------------------------------------------------------------------------------

    @Test
    void rendersConcurrently() throws Exception {
        Path source = ImagingFixtures.jpeg(dir, "shared.jpeg", ImagingFixtures.noisy(800, 600, 7), 85);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Rendered>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Path out = dir.resolve("concurrent-" + i + ".jpeg");
                results.add(pool.submit(() -> processor()
                        .render(
                                source,
                                new ImageInfo(ImageFormat.JPEG, 800, 600, 1),
                                new RenderSpec(Fit.COVER, 100, 100, ImageFormat.JPEG, false, 80),
                                out)));
            }
            for (Future<Rendered> result : results) {
                assertEquals(100, result.get().width());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Reads an output back: ImageIO where it can, else the engine itself (NONE to PNG). */
    BufferedImage decoded(Path file, ImageFormat format) throws IOException {
        if (format != ImageFormat.AVIF && format != ImageFormat.HEIC) {
            return ImagingFixtures.read(file);
        }
        Path png = dir.resolve("reread-" + format.extension() + ".png");
        processor()
                .render(
                        file,
                        new ImageInfo(format, 1, 1, 1),
                        new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 90),
                        png);
        return ImagingFixtures.read(png);
    }

    private void assertOnlyFile(Path source) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of(source.getFileName().toString()),
                    files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the failed render left files behind");
        }
    }

    private static Metadata readMetadata(Path file) {
        try {
            return ImageMetadataReader.readMetadata(file.toFile());
        } catch (Exception e) {
            return new Metadata(); // formats metadata-extractor does not know carry nothing it could see
        }
    }

    static void assertColour(BufferedImage image, int x, int y, Color expected) {
        assertColour(image, x, y, expected, TOLERANCE);
    }

    static void assertColour(BufferedImage image, int x, int y, Color expected, int tolerance) {
        int rgb = image.getRGB(x, y);
        boolean close = Math.abs(red(rgb) - expected.getRed()) <= tolerance
                && Math.abs(green(rgb) - expected.getGreen()) <= tolerance
                && Math.abs(blue(rgb) - expected.getBlue()) <= tolerance;
        assertTrue(close, "pixel (" + x + "," + y + ") is " + hex(rgb) + ", expected about " + hex(expected.getRGB()));
    }

    private static int alpha(BufferedImage image, int x, int y) {
        return image.getRGB(x, y) >>> 24;
    }

    private static int red(int rgb) {
        return rgb >> 16 & 0xFF;
    }

    private static int green(int rgb) {
        return rgb >> 8 & 0xFF;
    }

    private static int blue(int rgb) {
        return rgb & 0xFF;
    }

    private static String hex(int rgb) {
        return String.format("#%08x", rgb);
    }
}
