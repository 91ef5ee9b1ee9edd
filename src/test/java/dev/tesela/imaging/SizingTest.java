package dev.tesela.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.imaging.RenderSpec.Fit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The plans both engines size by. On main a 60000×1 source into the 320×320 thumbnail box planned a 19,200,000×320
 * intermediate (6.1 gigapixels: the process grew past 21 GB and was OOM-killed); here every image on the way is at
 * most the source or the box, and normal photos keep the one-step path (libvips's shrink-on-load).
 */
class SizingTest {
    private static final RenderSpec THUMB = new RenderSpec(Fit.COVER, 320, 320, ImageFormat.JPEG, false, 82);

    @ParameterizedTest
    @CsvSource({"60000,1", "1,60000", "30000,2", "2,30000", "65535,1", "40000,200", "5000,100"})
    void extremeAspectRatiosCutTheCentredRegionOutBeforeScaling(int width, int height) {
        for (boolean swap : new boolean[] {false, true}) {
            Sizing s = Sizing.of(THUMB, width, height, swap);
            long bound = Math.max(320L * 320, (long) width * height);
            assertTrue(
                    (long) s.scaledWidth() * s.scaledHeight() <= bound,
                    width + "×" + height + " scales to " + s.scaledWidth() + "×" + s.scaledHeight() + " on the way");
            assertTrue(s.peakPixels() <= bound, "peak " + s.peakPixels());
            assertTrue(s.cropsFirst());
            assertEquals(320, s.width());
            assertEquals(320, s.height());
            // The region is centred, inside the source, and square like the box (as far as the short side allows).
            int side = Math.min(width, height);
            assertEquals(side, s.cropWidth());
            assertEquals(side, s.cropHeight());
            assertEquals((width - side) / 2, s.cropX());
            assertEquals((height - side) / 2, s.cropY());
        }
    }

    @ParameterizedTest
    @CsvSource({"4000,3000,427,320", "3000,4000,320,427", "100,50,640,320", "12000,1000,3840,320"})
    void normalPhotosKeepTheOneStepCover(int width, int height, int scaledWidth, int scaledHeight) {
        Sizing s = Sizing.of(THUMB, width, height, false);
        assertFalse(s.cropsFirst());
        assertEquals(scaledWidth, s.scaledWidth());
        assertEquals(scaledHeight, s.scaledHeight());
        assertEquals(0, s.cropX());
        assertEquals(width, s.cropWidth());
        assertEquals(Math.max((long) width * height, (long) scaledWidth * scaledHeight), s.peakPixels());
    }

    @ParameterizedTest
    @CsvSource({
        "60000,1,500,0,500,1",
        "1,60000,500,0,1,60000",
        "1,60000,1000000,500,1,500",
        "60000,1,1000000,500,60000,1"
    })
    void withinNeverScalesUpSoItHoldsNoMoreThanTheSource(
            int width, int height, int boxW, int boxH, int outW, int outH) {
        Sizing s = Sizing.of(new RenderSpec(Fit.WITHIN, boxW, boxH, ImageFormat.PNG, true, 82), width, height, false);
        assertEquals(outW, s.width());
        assertEquals(outH, s.height());
        assertEquals((long) width * height, s.peakPixels());
    }

    @ParameterizedTest
    @CsvSource({"64000,1,320,160,31999,0,2,1", "1,64000,320,160,0,31999,1,1", "30000,4,100,400,14999,0,1,4"})
    void nonSquareBoxesCutTheirOwnAspectRatio(int width, int height, int boxW, int boxH, int x, int y, int w, int h) {
        Sizing s = Sizing.of(new RenderSpec(Fit.COVER, boxW, boxH, ImageFormat.PNG, false, 82), width, height, false);
        assertTrue(s.cropsFirst());
        assertEquals(x, s.cropX());
        assertEquals(y, s.cropY());
        assertEquals(w, s.cropWidth());
        assertEquals(h, s.cropHeight());
        assertEquals(boxW, s.scaledWidth());
        assertEquals(boxH, s.scaledHeight());
    }
}
