package dev.tesela.imaging;

import static dev.tesela.imaging.Bytes.ascii;
import static dev.tesela.imaging.Bytes.concat;
import static dev.tesela.imaging.Bytes.riffChunk;
import static dev.tesela.imaging.Bytes.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.png.PngMetadataReader;
import com.drew.imaging.webp.WebpMetadataReader;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.GpsDirectory;
import com.drew.metadata.icc.IccDirectory;
import com.drew.metadata.iptc.IptcDirectory;
import com.drew.metadata.jpeg.JpegCommentDirectory;
import com.drew.metadata.png.PngDirectory;
import com.drew.metadata.xmp.XmpDirectory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MetadataStripperTest {
    @TempDir
    Path dir;

    private int files;

    /** Strips {@code content} and returns the output's bytes. */
    private byte[] strip(byte[] content, ImageFormat format, boolean keepIcc) throws Exception {
        Path in = Files.write(dir.resolve("in" + files), content);
        Path out = dir.resolve("out" + files++);
        assertTrue(MetadataStripper.strip(in, out, format, keepIcc));
        return Files.readAllBytes(out);
    }

    private static void assertSamePixels(byte[] expected, byte[] actual) throws Exception {
        BufferedImage a = ImageIO.read(new ByteArrayInputStream(expected));
        BufferedImage b = ImageIO.read(new ByteArrayInputStream(actual));
        assertNotNull(a);
        assertNotNull(b);
        assertEquals(a.getWidth(), b.getWidth());
        assertEquals(a.getHeight(), b.getHeight());
        assertArrayEquals(
                a.getRGB(0, 0, a.getWidth(), a.getHeight(), null, 0, a.getWidth()),
                b.getRGB(0, 0, b.getWidth(), b.getHeight(), null, 0, b.getWidth()));
    }

    private static boolean has(Metadata metadata, Class<? extends Directory> type) {
        return metadata.getFirstDirectoryOfType(type) != null;
    }

    // ---- JPEG

    @Test
    void jpegLosesExifGpsXmpIptcAndCommentsButNotItsPixels() throws Exception {
        byte[] plain = Samples.jpeg(32, 24);
        byte[] rich = Samples.jpegWithMetadata(plain, 6, true);
        Metadata before = JpegMetadataReader.readMetadata(new ByteArrayInputStream(rich));
        for (Class<? extends Directory> type : List.of(
                ExifIFD0Directory.class,
                GpsDirectory.class,
                XmpDirectory.class,
                IptcDirectory.class,
                JpegCommentDirectory.class,
                IccDirectory.class)) {
            assertTrue(has(before, type), "fixture lacks " + type.getSimpleName());
        }

        byte[] stripped = strip(rich, ImageFormat.JPEG, false);

        Metadata after = JpegMetadataReader.readMetadata(new ByteArrayInputStream(stripped));
        for (Class<? extends Directory> type : List.of(
                ExifIFD0Directory.class,
                GpsDirectory.class,
                XmpDirectory.class,
                IptcDirectory.class,
                JpegCommentDirectory.class,
                IccDirectory.class)) {
            assertFalse(has(after, type), "still has " + type.getSimpleName());
        }
        // exactly ImageIO's file plus the Adobe segment: every table, frame and scan byte untouched
        assertArrayEquals(Bytes.jpegWithSegments(plain, Samples.adobeSegment()), stripped);
        assertSamePixels(rich, stripped);
    }

    @Test
    void jpegKeepsTheIccProfileWhenAsked() throws Exception {
        byte[] plain = Samples.jpeg(20, 20);
        byte[] stripped = strip(Samples.jpegWithMetadata(plain, 1, true), ImageFormat.JPEG, true);
        assertArrayEquals(Bytes.jpegWithSegments(plain, Samples.iccSegment(), Samples.adobeSegment()), stripped);
        Metadata after = JpegMetadataReader.readMetadata(new ByteArrayInputStream(stripped));
        assertTrue(has(after, IccDirectory.class));
        assertFalse(has(after, ExifIFD0Directory.class));
    }

    @Test
    void jpegDropsDataAfterEoi() throws Exception {
        byte[] plain = Samples.jpeg(10, 10);
        byte[] secondary =
                Samples.jpegWithMetadata(Samples.jpeg(4, 4), 1, false); // like an MPF image with its own EXIF
        assertArrayEquals(plain, strip(concat(plain, secondary), ImageFormat.JPEG, false));
    }

    @Test
    void progressiveJpegLosesSegmentsBetweenScans() throws Exception {
        byte[] plain = Samples.progressiveJpeg(24, 16);
        int firstScan = Bytes.indexOf(plain, u8(0xFF, 0xDA));
        int secondScan =
                firstScan + 2 + Bytes.indexOf(Arrays.copyOfRange(plain, firstScan + 2, plain.length), u8(0xFF, 0xDA));
        assertTrue(secondScan > firstScan + 2, "expected several scans");
        byte[] rich = concat(
                Arrays.copyOfRange(plain, 0, secondScan),
                Bytes.segment(0xFE, ascii("between scans")),
                Samples.exifSegment(Tiff.sample(3)),
                Arrays.copyOfRange(plain, secondScan, plain.length));
        byte[] stripped = strip(rich, ImageFormat.JPEG, false);
        assertArrayEquals(plain, stripped);
        assertSamePixels(rich, stripped);
    }

    @Test
    void jpegRestartMarkersAreCopied() throws Exception {
        byte[] plain = Samples.jpegWithRestarts(64, 32);
        assertTrue(
                Bytes.indexOf(plain, u8(0xFF, 0xD0)) > Bytes.indexOf(plain, u8(0xFF, 0xDA)),
                "expected RST markers in the scan");
        byte[] rich = Bytes.jpegWithSegments(plain, Samples.exifSegment(Tiff.sample(2)));
        byte[] stripped = strip(rich, ImageFormat.JPEG, false);
        assertArrayEquals(plain, stripped);
        assertSamePixels(rich, stripped);
    }

    // ---- PNG

    private static byte[] deflate(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] iccpChunk() throws Exception {
        return Bytes.pngChunk("iCCP", concat(ascii("sRGB\0"), u8(0), deflate(Samples.srgbProfile())));
    }

    static byte[][] pngMetadataChunks() throws Exception {
        return new byte[][] {
            Bytes.pngChunk("tEXt", ascii("Title\0Secret title")),
            Bytes.pngChunk("zTXt", concat(ascii("Comment\0"), u8(0), deflate(ascii("compressed comment")))),
            Bytes.pngChunk(
                    "iTXt",
                    concat(ascii("XML:com.adobe.xmp\0"), u8(0, 0), ascii("\0\0"), Bytes.utf8(Samples.XMP_PACKET))),
            Bytes.pngChunk("eXIf", Tiff.sample(6)),
            Bytes.pngChunk("tIME", u8(0x07, 0xE5, 6, 15, 12, 34, 56))
        };
    }

    @Test
    void pngLosesTextExifAndTimeButKeepsItsImageData() throws Exception {
        byte[] plain = Samples.png(20, 10);
        byte[] rich = Bytes.pngWithChunksAfterIhdr(plain, concat(concat(pngMetadataChunks()), iccpChunk()));
        Metadata before = PngMetadataReader.readMetadata(new ByteArrayInputStream(rich));
        assertTrue(has(before, ExifIFD0Directory.class), "fixture lacks EXIF");

        byte[] stripped = strip(rich, ImageFormat.PNG, false);

        assertArrayEquals(plain, stripped); // IDAT (and everything else) byte for byte
        Metadata after = PngMetadataReader.readMetadata(new ByteArrayInputStream(stripped));
        assertFalse(has(after, ExifIFD0Directory.class));
        assertFalse(has(after, XmpDirectory.class));
        for (PngDirectory png : after.getDirectoriesOfType(PngDirectory.class)) {
            assertFalse(png.containsTag(PngDirectory.TAG_TEXTUAL_DATA), "text survived");
        }
        assertSamePixels(rich, stripped);
    }

    @Test
    void pngKeepsIccpWhenAsked() throws Exception {
        byte[] plain = Samples.png(6, 6);
        byte[] rich = Bytes.pngWithChunksAfterIhdr(plain, concat(iccpChunk(), concat(pngMetadataChunks())));
        assertArrayEquals(Bytes.pngWithChunksAfterIhdr(plain, iccpChunk()), strip(rich, ImageFormat.PNG, true));
    }

    @Test
    void apngKeepsItsAnimationChunks() throws Exception {
        byte[] apng = Samples.apng(8, 8, 2);
        byte[] rich = Bytes.pngWithChunksAfterIhdr(apng, Bytes.pngChunk("tEXt", ascii("Author\0me")));
        byte[] stripped = strip(rich, ImageFormat.PNG, false);
        assertArrayEquals(apng, stripped);
        assertEquals(List.of("IHDR", "acTL", "fcTL", "IDAT", "IEND"), pngChunkTypes(stripped));
    }

    @Test
    void pngDropsDataAfterIend() throws Exception {
        byte[] plain = Samples.png(3, 3);
        assertArrayEquals(plain, strip(concat(plain, ascii("trailing zip archive")), ImageFormat.PNG, false));
    }

    private static List<String> pngChunkTypes(byte[] png) {
        List<String> types = new ArrayList<>();
        for (int at = 8; at + 8 <= png.length; ) {
            int length = (png[at] & 0xFF) << 24
                    | (png[at + 1] & 0xFF) << 16
                    | (png[at + 2] & 0xFF) << 8
                    | png[at + 3] & 0xFF;
            types.add(new String(png, at + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1));
            at += 12 + length;
        }
        return types;
    }

    // ---- WebP

    static byte[] richWebp() {
        return richWebp(Samples.srgbProfile(), Samples.XMP_PACKET + " ");
    }

    /** VP8X (ICC, alpha, EXIF, XMP flags), ICCP, VP8L, EXIF, XMP (odd length when {@code xmp} is). */
    static byte[] richWebp(byte[] icc, String xmp) {
        return Bytes.webp(
                Bytes.vp8x(WebpHeader.FLAG_ICC | 0x10 | WebpHeader.FLAG_EXIF | WebpHeader.FLAG_XMP, 40, 30),
                riffChunk("ICCP", icc),
                Bytes.vp8l(40, 30),
                riffChunk("EXIF", Tiff.sample(8)),
                riffChunk("XMP ", Bytes.utf8(xmp)));
    }

    /** Chunk FourCC → data, in order. */
    private static Map<String, byte[]> riffChunks(byte[] webp) {
        Map<String, byte[]> chunks = new LinkedHashMap<>();
        for (int at = 12; at + 8 <= webp.length; ) {
            int size = (webp[at + 4] & 0xFF)
                    | (webp[at + 5] & 0xFF) << 8
                    | (webp[at + 6] & 0xFF) << 16
                    | (webp[at + 7] & 0xFF) << 24;
            chunks.put(
                    new String(webp, at, 4, java.nio.charset.StandardCharsets.ISO_8859_1),
                    Arrays.copyOfRange(webp, at + 8, at + 8 + size));
            at += 8 + size + (size & 1);
        }
        return chunks;
    }

    private static int riffSize(byte[] webp) {
        return (webp[4] & 0xFF) | (webp[5] & 0xFF) << 8 | (webp[6] & 0xFF) << 16 | (webp[7] & 0xFF) << 24;
    }

    @Test
    void webpLosesExifAndXmpChunksAndFlags() throws Exception {
        byte[] rich = richWebp();
        assertTrue(
                has(WebpMetadataReader.readMetadata(new ByteArrayInputStream(rich)), ExifIFD0Directory.class),
                "fixture lacks EXIF");

        byte[] stripped = strip(rich, ImageFormat.WEBP, true);

        Map<String, byte[]> chunks = riffChunks(stripped);
        assertEquals(List.of("VP8X", "ICCP", "VP8L"), List.copyOf(chunks.keySet()));
        assertEquals(
                WebpHeader.FLAG_ICC | 0x10, chunks.get("VP8X")[0] & 0xFF, "EXIF and XMP flags cleared, others kept");
        assertArrayEquals(riffChunks(rich).get("VP8L"), chunks.get("VP8L"));
        assertEquals(stripped.length - 8, riffSize(stripped));
        assertFalse(has(WebpMetadataReader.readMetadata(new ByteArrayInputStream(stripped)), ExifIFD0Directory.class));
        assertEquals(
                new ImageInfo(ImageFormat.WEBP, 40, 30, 1),
                ImageProbe.probe(Files.write(dir.resolve("probe.webp"), stripped)));
    }

    @Test
    void webpDropsIccUnlessAsked() throws Exception {
        byte[] stripped = strip(richWebp(), ImageFormat.WEBP, false);
        assertEquals(List.of("VP8X", "VP8L"), List.copyOf(riffChunks(stripped).keySet()));
        assertEquals(0x10, stripped[20] & 0xFF);
        assertEquals(stripped.length - 8, riffSize(stripped));
    }

    @Test
    void animatedWebpKeepsItsFrames() throws Exception {
        byte[] animated = Samples.webpAnimated(10, 10, 3);
        byte[] withExif = Bytes.webp(
                concat(Arrays.copyOfRange(animated, 12, animated.length), riffChunk("EXIF", Tiff.sample(1))));
        withExif[20] |= WebpHeader.FLAG_EXIF;
        assertArrayEquals(animated, strip(withExif, ImageFormat.WEBP, false));
    }

    // ---- refusals

    @Test
    void otherFormatsAreNotStripped() throws Exception {
        Path in = Files.write(dir.resolve("in.gif"), Samples.gif(4, 4));
        Path out = dir.resolve("out.gif");
        for (ImageFormat format : List.of(ImageFormat.GIF, ImageFormat.BMP, ImageFormat.AVIF, ImageFormat.HEIC)) {
            assertFalse(MetadataStripper.strip(in, out, format, false));
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void wrongFormatIsRefusedAndLeavesNoOutput() throws Exception {
        Path in = Files.write(dir.resolve("in.png"), Samples.png(4, 4));
        Path out = dir.resolve("out.jpg");
        UnsupportedImageException e = assertThrows(
                UnsupportedImageException.class, () -> MetadataStripper.strip(in, out, ImageFormat.JPEG, false));
        assertEquals(UnsupportedImageException.Reason.NOT_AN_IMAGE, e.reason());
        assertFalse(Files.exists(out));
        assertThrows(UnsupportedImageException.class, () -> MetadataStripper.strip(in, out, ImageFormat.WEBP, false));
        assertFalse(Files.exists(out));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void truncatedFilesAreStrippedOrRefusedWithoutLeavingOutput() throws Exception {
        Map<ImageFormat, byte[]> samples = new LinkedHashMap<>();
        byte[] exif = Tiff.build(new Tiff.Ifd().shortValue(0x0112, 6), null, null);
        samples.put(
                ImageFormat.JPEG,
                Bytes.jpegWithSegments(Samples.jpeg(8, 8), Samples.exifSegment(exif), Bytes.segment(0xFE, ascii("c"))));
        samples.put(
                ImageFormat.PNG,
                Bytes.pngWithChunksAfterIhdr(
                        Samples.png(5, 5), Bytes.pngChunk("eXIf", exif), Bytes.pngChunk("tEXt", ascii("Title\0t"))));
        samples.put(ImageFormat.WEBP, richWebp(new byte[31], "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"));
        Path out = dir.resolve("out");
        for (Map.Entry<ImageFormat, byte[]> sample : samples.entrySet()) {
            byte[] full = sample.getValue();
            for (int length = 0; length < full.length; length++) {
                Path in = Files.write(dir.resolve(sample.getKey() + "-" + length), Arrays.copyOf(full, length));
                try {
                    assertTrue(MetadataStripper.strip(in, out, sample.getKey(), false));
                    assertTrue(Files.exists(out));
                } catch (UnsupportedImageException refused) {
                    assertFalse(Files.exists(out), sample.getKey() + " cut at " + length + " left output behind");
                } catch (Exception | Error e) {
                    fail(sample.getKey() + " cut at " + length + " threw " + e, e);
                }
                Files.deleteIfExists(out);
            }
        }
    }
}
