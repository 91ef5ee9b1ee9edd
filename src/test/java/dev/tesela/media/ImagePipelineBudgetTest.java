package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.imaging.ImageEngines;
import dev.tesela.imaging.ImageFormat;
import dev.tesela.imaging.ImageInfo;
import dev.tesela.imaging.ImageProcessor;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.platform.config.ConfigLoader;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pipeline's "limit" step plans every output an upload will get from the header alone and refuses, before any
 * decode, what would need more than the per-job pixel budget ({@code TESELA_IMAGE_JOB_MEGAPIXELS}) or a side over
 * 65,535 pixels; and the 60000×1 (and 1×60000) PNG and JPEG that killed the server on main go through the whole
 * pipeline within a 4 MP budget, in both engines. On main the planned thumbnail of 60000×1 held a 19,200,000×320
 * intermediate (6.1 gigapixels): {@link #extremeStripsPassTheLimitWithinASmallBudget} would refuse it here, since the
 * limit step checks the same plan the engines size by.
 */
class ImagePipelineBudgetTest {
    private Path temp;

    @BeforeEach
    void temp() throws IOException {
        temp = Files.createTempDirectory("tesela-pipeline-budget-");
    }

    @AfterEach
    void clean() throws IOException {
        TestFiles.deleteTree(temp);
    }

    @ParameterizedTest
    @CsvSource({"60000,1", "1,60000", "30000,2", "2,30000", "65535,1"})
    void extremeStripsPassTheLimitWithinASmallBudget(int width, int height) {
        pipeline(ImageEngines.select("java", new PixelBudget(4_000_000)), 4)
                .limit(new ImageInfo(ImageFormat.PNG, width, height, 1), settings(320, 320), 0);
    }

    @Test
    void aSideOverTheLimitIsRefusedNamingTheSize() {
        AppException e = assertThrows(
                AppException.class,
                () -> pipeline(ImageEngines.select("java", new PixelBudget(4_000_000)), 4)
                        .limit(new ImageInfo(ImageFormat.PNG, 65536, 1, 1), settings(320, 320), 0));
        assertEquals(ErrorCode.INVALID_INPUT, e.code());
        assertEquals(
                "The image is 65536×1 pixels: too wide to process. Images may be at most 65,535 pixels on a side.",
                e.getMessage());
    }

    @Test
    void anImageOverTheJobBudgetIsRefusedBeforeDecoding() {
        ImagePipeline pipeline = pipeline(ImageEngines.select("java", new PixelBudget(4_000_000)), 4);
        AppException big = assertThrows(
                AppException.class,
                () -> pipeline.limit(new ImageInfo(ImageFormat.JPEG, 3000, 2000, 1), settings(320, 320), 0));
        assertEquals(
                "The image is 3000×2000 pixels: making a copy would hold 6.0 megapixels at once, more than the 4.0 "
                        + "this server allows for one image.",
                big.getMessage());
        // A thumbnail box alone over the budget (a site set to 2000×2000 under a 3 MP budget): refused for any image.
        AppException box = assertThrows(
                AppException.class,
                () -> pipeline(ImageEngines.select("java", new PixelBudget(3_000_000)), 3)
                        .limit(new ImageInfo(ImageFormat.PNG, 100, 100, 1), settings(2000, 2000), 0));
        assertEquals(
                "The image is 100×100 pixels: making its thumbnail would hold 4.0 megapixels at once, more than the 3.0 "
                        + "this server allows for one image.",
                box.getMessage());
    }

    @Test
    void theStripsThatKilledTheServerGiveBoundedOutputsThroughTheWholePipeline() throws Exception {
        List<String> engines = new java.util.ArrayList<>(List.of("java"));
        try {
            ImageEngines.select("vips", new PixelBudget(4_000_000));
            engines.add("vips");
        } catch (IllegalStateException e) {
            if (Services.REQUIRED) {
                fail(e.getMessage() + " and TESELA_TEST_REQUIRE_SERVICES=1", e);
            }
        }
        for (String choice : engines) {
            ImagePipeline pipeline = pipeline(ImageEngines.select(choice, new PixelBudget(4_000_000)), 4);
            for (String format : List.of("png", "jpeg")) {
                for (int[] size : new int[][] {{60000, 1}, {1, 60000}}) {
                    ReceivedFile file = received(format, size[0], size[1]);
                    ImageInfo info = pipeline.sniff(file);
                    pipeline.limit(info, settings(320, 320), 0);
                    try (ProcessedImage processed = pipeline.process(file, info, settings(320, 320), 0)) {
                        String what = choice + " " + format + " " + size[0] + "×" + size[1];
                        assertEquals(size[0], processed.main().width(), what);
                        ProcessedImage.Output thumb = processed.variants().getFirst();
                        assertEquals(List.of(320, 320), List.of(thumb.width(), thumb.height()), what + " thumb");
                        if (size[0] > 500) {
                            ProcessedImage.Output medium = processed.variants().get(1);
                            assertEquals(List.of(500, 1), List.of(medium.width(), medium.height()), what + " medium");
                        } else {
                            assertEquals(1, processed.variants().size(), what + ": no medium for a strip 1 px wide");
                        }
                    }
                    Files.delete(file.path());
                }
            }
        }
        try (Stream<Path> left = Files.list(temp.resolve("tmp"))) {
            assertEquals(List.of(), left.toList(), "temp files left behind");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private ImagePipeline pipeline(ImageProcessor engine, int jobMegapixels) {
        TeselaConfig.Media media = ConfigLoader.load(Map.of(
                        "TESELA_DATA_DIR",
                        temp.toString(),
                        "TESELA_IMAGE_JOB_MEGAPIXELS",
                        Integer.toString(jobMegapixels)))
                .media();
        return new ImagePipeline(
                engine, media, new ProcessingGate(1, Duration.ofSeconds(30)), new Receiver(temp.resolve("tmp")));
    }

    /** Fresh-install settings with the thumbnail box {@code thumbW} × {@code thumbH}. */
    private static MediaSettings settings(int thumbW, int thumbH) {
        return new MediaSettings(
                true,
                true,
                50L << 20,
                10L << 20,
                thumbW,
                thumbH,
                500,
                false,
                0,
                0,
                false,
                false,
                "datefolder",
                "original",
                true,
                "user",
                0,
                false,
                "",
                false,
                false,
                "");
    }

    private ReceivedFile received(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < Math.max(width, height); i++) {
            image.setRGB(width > 1 ? i : 0, height > 1 ? i : 0, i * 0x010203);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        Files.createDirectories(temp.resolve("in"));
        Path file = Files.write(temp.resolve("in").resolve(width + "x" + height + "." + format), out.toByteArray());
        return new ReceivedFile(
                file,
                Files.size(file),
                "0".repeat(64),
                "0".repeat(32),
                file.getFileName().toString(),
                "image/" + format);
    }
}
