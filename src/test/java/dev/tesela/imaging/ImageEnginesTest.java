package dev.tesela.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.imaging.RenderSpec.Fit;
import dev.tesela.testing.Services;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine selection, and BMP routed to Java behind libvips. */
class ImageEnginesTest {
    @TempDir
    Path dir;

    @Test
    void javaIsAlwaysThere() {
        assertEquals(
                "java (ImageIO + Thumbnailator)",
                ImageEngines.select("java", ImageProcessorContract.BUDGET).description());
        assertEquals(
                "java (ImageIO + Thumbnailator)",
                ImageEngines.select(" Java ", ImageProcessorContract.BUDGET).description());
    }

    @Test
    void unknownChoiceIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ImageEngines.select("imagemagick", ImageProcessorContract.BUDGET));
        assertTrue(e.getMessage().contains("auto, vips or java"), e.getMessage());
    }

    @Test
    void autoAndVipsUseLibvipsWhenItLoads() {
        boolean present = Vips.ifAvailable().isPresent();
        ImageProcessor auto = ImageEngines.select("auto", ImageProcessorContract.BUDGET);
        ImageProcessor unset = ImageEngines.select(null, ImageProcessorContract.BUDGET);
        assertEquals(auto.description(), unset.description());
        if (present) {
            assertTrue(auto.description().startsWith("libvips "), auto.description());
            assertEquals(
                    auto.description(),
                    ImageEngines.select("vips", ImageProcessorContract.BUDGET).description());
        } else {
            assertEquals("java (ImageIO + Thumbnailator)", auto.description());
            IllegalStateException e = assertThrows(
                    IllegalStateException.class, () -> ImageEngines.select("vips", ImageProcessorContract.BUDGET));
            assertTrue(e.getMessage().contains("libvips"), e.getMessage());
        }
    }

    @Test
    void bmpGoesToJavaBehindLibvips() throws IOException {
        requireLibvips();
        ImageProcessor engine = ImageEngines.select("vips", ImageProcessorContract.BUDGET);
        RoutingProcessor routing = assertInstanceOf(RoutingProcessor.class, engine);
        assertTrue(
                engine.description().matches("libvips [0-9.]+ \\(BMP via java \\(ImageIO \\+ Thumbnailator\\)\\)"),
                engine.description());
        assertTrue(engine.decodes().contains(ImageFormat.BMP));
        assertInstanceOf(
                JavaProcessor.class,
                routing.engineFor(ImageFormat.BMP, ImageFormat.JPEG).orElseThrow());
        assertInstanceOf(
                VipsProcessor.class,
                routing.engineFor(ImageFormat.JPEG, ImageFormat.JPEG).orElseThrow());

        Path bmp = ImagingFixtures.bmp(dir, "in.bmp", ImagingFixtures.quadrants(200, 100));
        Path jpeg = dir.resolve("out.jpeg");
        Rendered rendered = engine.render(
                bmp,
                new ImageInfo(ImageFormat.BMP, 200, 100, 1),
                new RenderSpec(Fit.COVER, 50, 50, ImageFormat.JPEG, false, 85),
                jpeg);
        assertEquals(new Rendered(ImageFormat.JPEG, 50, 50, 1, Files.size(jpeg)), rendered);
        ImageProcessorContract.assertColour(ImagingFixtures.read(jpeg), 10, 10, ImagingFixtures.RED);
    }

    @Test
    void bmpToAvifGoesThroughAPngThatIsDeletedAfterwards() throws IOException {
        requireLibvips();
        ImageProcessor engine = ImageEngines.select("vips", ImageProcessorContract.BUDGET);
        Assumptions.assumeTrue(engine.encodes().contains(ImageFormat.AVIF), "this libheif has no AV1 encoder");
        Path bmp = ImagingFixtures.bmp(dir, "in.bmp", ImagingFixtures.quadrants(200, 100));
        Path avif = dir.resolve("out.avif");
        Rendered rendered = engine.render(
                bmp,
                new ImageInfo(ImageFormat.BMP, 200, 100, 1),
                new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.AVIF, false, 70),
                avif);
        assertEquals(new Rendered(ImageFormat.AVIF, 100, 50, 1, Files.size(avif)), rendered);
        assertTrue(ImagingFixtures.hasMagic(avif, ImageFormat.AVIF));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of("in.bmp", "out.avif"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static void requireLibvips() {
        if (Vips.ifAvailable().isEmpty()) {
            String message = "libvips is not installed";
            if (Services.REQUIRED) {
                fail(message + " and TESELA_TEST_REQUIRE_SERVICES=1 (install libvips42)");
            }
            Assumptions.abort(message + "; skipping (set TESELA_TEST_REQUIRE_SERVICES=1 to fail instead)");
        }
    }
}
