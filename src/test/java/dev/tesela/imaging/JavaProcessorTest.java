package dev.tesela.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tesela.imaging.RenderSpec.Fit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The contract against the pure-Java engine, plus its documented limits. */
class JavaProcessorTest extends ImageProcessorContract {
    private static final JavaProcessor ENGINE = new JavaProcessor(BUDGET);

    @Override
    ImageProcessor processor() {
        return ENGINE;
    }

    @Override
    Set<ImageFormat> animatedTargets() {
        return EnumSet.of(ImageFormat.GIF);
    }

    @Test
    void formats() {
        assertEquals("java (ImageIO + Thumbnailator)", ENGINE.description());
        assertEquals(
                EnumSet.of(ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.WEBP, ImageFormat.BMP),
                ENGINE.decodes());
        assertEquals(
                EnumSet.of(ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.WEBP, ImageFormat.BMP),
                ENGINE.encodes());
    }

    @Test
    void animatedGifToWebpKeepsTheFirstFrame() throws IOException {
        Path source = ImagingFixtures.animatedGif(dir);
        Path out = dir.resolve("out.webp");
        Rendered rendered = ENGINE.render(
                source,
                new ImageInfo(ImageFormat.GIF, 200, 100, 3),
                new RenderSpec(Fit.WITHIN, 100, 0, ImageFormat.WEBP, true, 80),
                out);
        assertEquals(new Rendered(ImageFormat.WEBP, 100, 50, 1, Files.size(out)), rendered);
        assertEquals(1, ImagingFixtures.webpFrames(out));
    }

    @Test
    void animatedWebpSourceIsRefused() throws IOException {
        Path source = ImagingFixtures.resource(dir, "animated.webp");
        assertThrows(
                ImageDecodeException.class,
                () -> ENGINE.render(
                        source,
                        new ImageInfo(ImageFormat.WEBP, 120, 80, 3),
                        new RenderSpec(Fit.WITHIN, 60, 0, ImageFormat.PNG, true, 80),
                        dir.resolve("out.png")));
        assertFalse(Files.exists(dir.resolve("out.png")));
    }
}
