package dev.tesela.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.imaging.RenderSpec.Fit;
import dev.tesela.testing.Services;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract against libvips, plus what only libvips does (animated WebP in and out, AVIF/HEIC, BMP refused).
 * Skipped when libvips is not installed, unless TESELA_TEST_REQUIRE_SERVICES=1 (CI), where that is a failure.
 */
class VipsProcessorTest extends ImageProcessorContract {
    private static VipsProcessor engine;

    @BeforeAll
    static void loadLibvips() {
        try {
            engine = VipsProcessor.load(BUDGET);
        } catch (IllegalStateException e) {
            if (Services.REQUIRED) {
                fail(e.getMessage() + " and TESELA_TEST_REQUIRE_SERVICES=1 (install libvips42)", e);
            }
            Assumptions.abort(e.getMessage() + "; skipping (set TESELA_TEST_REQUIRE_SERVICES=1 to fail instead)");
        }
    }

    @Override
    ImageProcessor processor() {
        return engine;
    }

    @Override
    Set<ImageFormat> animatedTargets() {
        return EnumSet.of(ImageFormat.GIF, ImageFormat.WEBP);
    }

    @Test
    void describesItselfWithTheLibraryVersion() {
        assertTrue(engine.description().matches("libvips \\d+\\.\\d+\\.\\d+"), engine.description());
    }

    @Test
    void refusesBmpBecauseOnlyTheUntrustedMagickLoaderReadsIt() throws IOException {
        assertFalse(engine.decodes().contains(ImageFormat.BMP));
        assertFalse(engine.encodes().contains(ImageFormat.BMP));
        // Even a BMP sniffed as something else never reaches ImageMagick.
        Path bmp = ImagingFixtures.bmp(dir, "in.bmp", ImagingFixtures.quadrants(40, 20));
        assertThrows(
                ImageDecodeException.class,
                () -> engine.render(
                        bmp,
                        new ImageInfo(ImageFormat.JPEG, 40, 20, 1),
                        new RenderSpec(Fit.NONE, 0, 0, ImageFormat.PNG, false, 80),
                        dir.resolve("out.png")));
        assertFalse(Files.exists(dir.resolve("out.png")));
    }

    @Test
    void readsAvifAndHeicAndWritesThemWhenLibheifCan() {
        // Debian's libvips42 8.14 comes with libheif and its AV1/HEVC codecs; the probe must have found them.
        assertTrue(
                engine.decodes().containsAll(Set.of(ImageFormat.AVIF, ImageFormat.HEIC)),
                engine.decodes().toString());
        assertTrue(
                engine.encodes().containsAll(Set.of(ImageFormat.AVIF, ImageFormat.HEIC)),
                engine.encodes().toString());
    }

    @Test
    void animatedWebpSourceKeepsItsFrames() throws IOException {
        Path source = ImagingFixtures.resource(dir, "animated.webp"); // 120×80, 3 frames: red, green, blue
        ImageInfo info = new ImageInfo(ImageFormat.WEBP, 120, 80, 3);
        Path webp = dir.resolve("out.webp");
        Rendered rendered =
                engine.render(source, info, new RenderSpec(Fit.WITHIN, 60, 0, ImageFormat.WEBP, true, 80), webp);
        assertEquals(new Rendered(ImageFormat.WEBP, 60, 40, 3, Files.size(webp)), rendered);
        assertEquals(3, ImagingFixtures.webpFrames(webp));

        Path gif = dir.resolve("out.gif");
        rendered = engine.render(source, info, new RenderSpec(Fit.WITHIN, 60, 0, ImageFormat.GIF, true, 80), gif);
        assertEquals(new Rendered(ImageFormat.GIF, 60, 40, 3, Files.size(gif)), rendered);
        assertEquals(3, ImagingFixtures.gifFrames(gif));

        Path cover = dir.resolve("cover.webp");
        rendered = engine.render(source, info, new RenderSpec(Fit.COVER, 40, 40, ImageFormat.WEBP, true, 80), cover);
        assertEquals(new Rendered(ImageFormat.WEBP, 40, 40, 1, Files.size(cover)), rendered);
        assertEquals(1, ImagingFixtures.webpFrames(cover));
    }
}
