package dev.tesela.imaging;

import static dev.tesela.imaging.Bytes.ascii;
import static dev.tesela.imaging.Bytes.box;
import static dev.tesela.imaging.Bytes.concat;
import static dev.tesela.imaging.Bytes.ftyp;
import static dev.tesela.imaging.Bytes.fullBox;
import static dev.tesela.imaging.Bytes.u16be;
import static dev.tesela.imaging.Bytes.u32be;
import static dev.tesela.imaging.Bytes.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ImageProbeTest {
    @TempDir
    Path dir;

    private int files;

    private ImageInfo probe(byte[] content) throws Exception {
        return ImageProbe.probe(write(content, "f" + files++ + ".bin"));
    }

    private Path write(byte[] content, String name) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private UnsupportedImageException refused(byte[] content) {
        return assertThrows(UnsupportedImageException.class, () -> probe(content));
    }

    private static ImageInfo info(ImageFormat format, int width, int height, int frames) {
        return new ImageInfo(format, width, height, frames);
    }

    // ---- every format, its size and frames

    @Test
    void jpeg() throws Exception {
        assertEquals(info(ImageFormat.JPEG, 37, 23, 1), probe(Samples.jpeg(37, 23)));
    }

    @Test
    void progressiveJpegReadsSof2() throws Exception {
        byte[] jpeg = Samples.progressiveJpeg(29, 31);
        assertTrue(Bytes.indexOf(jpeg, u8(0xFF, 0xC2)) > 0, "expected an SOF2 frame header");
        assertEquals(info(ImageFormat.JPEG, 29, 31, 1), probe(jpeg));
    }

    @Test
    void jpegWithMetadataSegmentsBeforeTheFrame() throws Exception {
        byte[] jpeg = Bytes.jpegWithSegments(
                Samples.jpeg(16, 9),
                Bytes.segment(0xE1, concat(ascii("Exif\0\0"), Tiff.sample(6))),
                Bytes.segment(0xFE, ascii("comment")),
                Bytes.segment(0xED, new byte[3000]));
        assertEquals(info(ImageFormat.JPEG, 16, 9, 1), probe(jpeg));
    }

    @Test
    void jpegWithStrayBytesAndFillBeforeAMarkerIsTolerated() throws Exception {
        byte[] plain = Samples.jpeg(8, 8);
        int afterApp0 = 4 + ((plain[4] & 0xFF) << 8 | plain[5] & 0xFF);
        byte[] jpeg = concat(
                Arrays.copyOfRange(plain, 0, afterApp0),
                u8(0x00, 0x12, 0xFF, 0xFF),
                Arrays.copyOfRange(plain, afterApp0, plain.length));
        assertEquals(info(ImageFormat.JPEG, 8, 8, 1), probe(jpeg));
    }

    @Test
    void jpegWithHeightZeroIsDamaged() throws Exception {
        byte[] jpeg = Samples.jpeg(12, 12);
        int sof = Bytes.indexOf(jpeg, u8(0xFF, 0xC0));
        jpeg[sof + 5] = 0;
        jpeg[sof + 6] = 0; // height 0: "defined by DNL"
        assertEquals(UnsupportedImageException.Reason.DAMAGED, refused(jpeg).reason());
    }

    @Test
    void jpegWithoutFrameHeaderIsDamaged() throws Exception {
        byte[] onlyScan = concat(u8(0xFF, 0xD8), Bytes.segment(0xDA, new byte[10]), u8(1, 2, 3, 0xFF, 0xD9));
        assertEquals(UnsupportedImageException.Reason.DAMAGED, refused(onlyScan).reason());
    }

    @Test
    void png() throws Exception {
        assertEquals(info(ImageFormat.PNG, 41, 17, 1), probe(Samples.png(41, 17)));
    }

    @Test
    void apngFramesFromActl() throws Exception {
        assertEquals(info(ImageFormat.PNG, 64, 32, 3), probe(Samples.apng(64, 32, 3)));
    }

    @Test
    void apngFrameCountIsCapped() throws Exception {
        assertEquals(
                ImageProbe.MAX_FRAMES,
                probe(Samples.apng(4, 4, Integer.MAX_VALUE)).frames());
    }

    @Test
    void actlAfterIdatIsNotAnAnimation() throws Exception {
        byte[] png = Bytes.png(
                Bytes.ihdr(5, 5),
                Bytes.pngChunk("IDAT", new byte[4]),
                Bytes.pngChunk("acTL", concat(u32be(9), u32be(0))),
                Bytes.pngChunk("IEND", new byte[0]));
        assertEquals(info(ImageFormat.PNG, 5, 5, 1), probe(png));
    }

    @Test
    void hugePngProbesFromItsHeaderOnly() throws Exception {
        byte[] png = Samples.hugePng(50_000, 50_000);
        assertTrue(png.length < 100);
        ImageInfo info = probe(png);
        assertEquals(info(ImageFormat.PNG, 50_000, 50_000, 1), info);
        assertEquals(2_500_000_000L, info.pixels());
    }

    @Test
    void pngWithZeroWidthIsDamaged() throws Exception {
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(Samples.hugePng(0, 10)).reason());
    }

    @Test
    void pngWithWidthAboveTwoToThe31IsDamaged() throws Exception {
        byte[] png = Bytes.png(Bytes.ihdr(0x8000_0000L, 10), Bytes.pngChunk("IDAT", new byte[4]));
        assertEquals(UnsupportedImageException.Reason.DAMAGED, refused(png).reason());
    }

    @Test
    void pngWithEndlessAncillaryChunksIsDamaged() throws Exception {
        byte[] tiny = Bytes.pngChunk("tEXt", ascii("a\0b"));
        byte[][] chunks = new byte[10_002][];
        chunks[0] = Bytes.ihdr(3, 3);
        Arrays.fill(chunks, 1, chunks.length, tiny);
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(Bytes.png(chunks)).reason());
    }

    @Test
    void gif() throws Exception {
        assertEquals(info(ImageFormat.GIF, 13, 11, 1), probe(Samples.gif(13, 11)));
    }

    @Test
    void animatedGifCountsImageDescriptors() throws Exception {
        assertEquals(info(ImageFormat.GIF, 20, 10, 4), probe(Samples.animatedGif(20, 10, 4)));
    }

    @Test
    void gifWithZeroScreenTakesTheFirstImageSize() throws Exception {
        assertEquals(info(ImageFormat.GIF, 7, 5, 1), probe(Samples.gifWithZeroScreen(7, 5)));
    }

    @Test
    void gifFrameReachingPastTheScreenCountsInTheSize() throws Exception {
        // Screen 10×10; the one frame is 40000×30 at (5, 2): decoders allocate the frame (JDK) or grow the canvas.
        byte[] gif = concat(
                ascii("GIF89a"),
                Bytes.u16le(10),
                Bytes.u16le(10),
                u8(0, 0, 0),
                u8(0x2C),
                Bytes.u16le(5),
                Bytes.u16le(2),
                Bytes.u16le(40000),
                Bytes.u16le(30),
                u8(0),
                u8(2),
                u8(2, 0x44, 0x01),
                u8(0),
                u8(0x3B));
        assertEquals(info(ImageFormat.GIF, 40005, 32, 1), probe(gif));
    }

    @Test
    void gifExtensionOfMoreThan1024SubBlocksIsDamaged() throws Exception {
        assertEquals(info(ImageFormat.GIF, 7, 5, 1), probe(gifWithComment(GifHeader.MAX_EXTENSION_SUB_BLOCKS)));
        // One more: the JDK's reader joins sub-blocks quadratically (a 5 MB comment took minutes).
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(gifWithComment(GifHeader.MAX_EXTENSION_SUB_BLOCKS + 1)).reason());
    }

    private static byte[] gifWithComment(int subBlocks) {
        byte[] block = concat(u8(255), new byte[255]);
        byte[][] blocks = new byte[subBlocks][];
        Arrays.fill(blocks, block);
        byte[] plain = Samples.gifWithZeroScreen(7, 5);
        return concat(
                Arrays.copyOf(plain, 13),
                u8(0x21, 0xFE),
                concat(blocks),
                u8(0),
                Arrays.copyOfRange(plain, 13, plain.length));
    }

    @Test
    void gifWithoutImagesIsDamaged() throws Exception {
        byte[] gif = concat(ascii("GIF89a"), Bytes.u16le(10), Bytes.u16le(10), u8(0, 0, 0), u8(0x3B));
        assertEquals(UnsupportedImageException.Reason.DAMAGED, refused(gif).reason());
    }

    @Test
    void webpLossy() throws Exception {
        assertEquals(info(ImageFormat.WEBP, 400, 300, 1), probe(Samples.webpLossy(400, 300)));
    }

    @Test
    void webpLossless() throws Exception {
        assertEquals(info(ImageFormat.WEBP, 1000, 750, 1), probe(Samples.webpLossless(1000, 750)));
    }

    @Test
    void webpExtendedUsesTheCanvas() throws Exception {
        assertEquals(info(ImageFormat.WEBP, 20_000, 3, 1), probe(Samples.webpExtended(20_000, 3)));
    }

    @Test
    void webpAnimatedCountsAnmfChunks() throws Exception {
        assertEquals(info(ImageFormat.WEBP, 48, 32, 5), probe(Samples.webpAnimated(48, 32, 5)));
    }

    @Test
    void webpAnimationFlagWithoutFramesIsDamaged() throws Exception {
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(Bytes.webp(Bytes.vp8x(0x02, 10, 10))).reason());
    }

    @Test
    void webpWithUnknownFirstChunkIsDamaged() throws Exception {
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(Bytes.webp(Bytes.riffChunk("JUNK", new byte[12]))).reason());
    }

    @Test
    void bmp() throws Exception {
        assertEquals(info(ImageFormat.BMP, 19, 7, 1), probe(Samples.bmp(19, 7)));
    }

    @Test
    void bmpTopDownHasNegativeHeight() throws Exception {
        assertEquals(info(ImageFormat.BMP, 19, 7, 1), probe(Samples.topDownBmp(19, 7)));
    }

    @Test
    void bmpCoreHeader() throws Exception {
        assertEquals(info(ImageFormat.BMP, 300, 200, 1), probe(Samples.coreBmp(300, 200)));
    }

    @Test
    void avifTakesTheIspeAssociatedWithThePrimaryItem() throws Exception {
        assertEquals(info(ImageFormat.AVIF, 640, 480, 1), probe(Samples.avif()));
    }

    @Test
    void heicGridTakesTheGridSize() throws Exception {
        assertEquals(info(ImageFormat.HEIC, 4032, 3024, 1), probe(Samples.heicGrid()));
    }

    @Test
    void genericHeifBrandsDecideByThePrimaryItemType() throws Exception {
        assertEquals(info(ImageFormat.AVIF, 100, 50, 1), probe(Samples.genericHeif("av01", 100, 50)));
        assertEquals(info(ImageFormat.HEIC, 100, 50, 1), probe(Samples.genericHeif("hvc1", 100, 50)));
        assertEquals(
                Optional.of(ImageFormat.HEIC),
                ImageProbe.sniff(Samples.genericHeif("av01", 1, 1)),
                "sniff alone cannot tell");
    }

    @Test
    void heifWithoutAssociationTakesTheLargestIspe() throws Exception {
        byte[] meta = fullBox(
                "meta",
                0,
                0,
                Samples.hdlr("pict"),
                Bytes.pitm(1),
                Bytes.iinf(Bytes.infe(1, "hvc1")),
                box("iprp", box("ipco", Bytes.ispe(10, 10), Bytes.ispe(300, 200), Bytes.ispe(20, 20))));
        assertEquals(info(ImageFormat.HEIC, 300, 200, 1), probe(concat(ftyp("heic", "mif1", "heic"), meta)));
    }

    @Test
    void ipmaWithWideIndicesAndItemIds() throws Exception {
        // ipma version 1 (32-bit item ids), flags 1 (16-bit property indices)
        byte[] ipma = fullBox("ipma", 1, 1, u32be(2), u32be(5), u8(1), u16be(0x8002), u32be(1), u8(1), u16be(1));
        byte[] meta = fullBox(
                "meta",
                0,
                0,
                Samples.hdlr("pict"),
                fullBox("pitm", 1, 0, u32be(1)),
                box("iprp", box("ipco", Bytes.ispe(64, 48), Bytes.ispe(999, 999)), ipma));
        assertEquals(info(ImageFormat.AVIF, 64, 48, 1), probe(concat(ftyp("avif", "mif1", "avif"), meta)));
    }

    @Test
    void avifSequenceCountsTrackSamples() throws Exception {
        assertEquals(info(ImageFormat.AVIF, 320, 240, 5), probe(Samples.avifSequence(true, 5)));
    }

    @Test
    void avifSequenceWithoutMetaTakesTheSampleEntrySize() throws Exception {
        assertEquals(info(ImageFormat.AVIF, 320, 240, 3), probe(Samples.avifSequence(false, 3)));
    }

    @Test
    void isoBmffLargeSizeAndUuidBoxes() throws Exception {
        byte[] avif = Samples.avif();
        byte[] ftyp = ftyp("avif", "avif", "mif1", "miaf");
        byte[] meta = Arrays.copyOfRange(avif, ftyp.length, avif.length - 40); // the meta box of Samples.avif()
        assertEquals("meta", new String(meta, 4, 4, StandardCharsets.ISO_8859_1));
        byte[] metaWithLargeSize = concat(
                u32be(1),
                ascii("meta"),
                Bytes.u32be(0),
                Bytes.u32be(meta.length + 8L),
                Arrays.copyOfRange(meta, 8, meta.length));
        byte[] uuid = concat(u32be(8 + 16 + 4), ascii("uuid"), new byte[16], u32be(7));
        assertEquals(
                info(ImageFormat.AVIF, 640, 480, 1),
                probe(concat(ftyp, uuid, metaWithLargeSize, box("mdat", new byte[32]))));
    }

    @Test
    void jpegWithRestartInterval() throws Exception {
        assertEquals(info(ImageFormat.JPEG, 64, 32, 1), probe(Samples.jpegWithRestarts(64, 32)));
    }

    @Test
    void isoBmffVideoIsNotAnImage() throws Exception {
        byte[] mp4 = concat(ftyp("isom", "isom", "iso2", "mp41"), box("mdat", new byte[20]));
        assertEquals(UnsupportedImageException.Reason.NOT_AN_IMAGE, refused(mp4).reason());
    }

    @Test
    void heifWithoutAnyIspeIsDamaged() throws Exception {
        byte[] meta = fullBox("meta", 0, 0, Samples.hdlr("pict"), Bytes.pitm(1));
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(concat(ftyp("heic", "mif1"), meta)).reason());
    }

    @Test
    void isoBmffBoxSmallerThanItsHeaderIsDamaged() throws Exception {
        byte[] bad = concat(ftyp("avif", "avif"), u32be(4), ascii("meta"), new byte[16]);
        assertEquals(UnsupportedImageException.Reason.DAMAGED, refused(bad).reason());
    }

    @Test
    void isoBmffChildLargerThanItsParentIsDamaged() throws Exception {
        byte[] meta = fullBox("meta", 0, 0, u32be(1_000_000), ascii("iprp"), new byte[8]);
        assertEquals(
                UnsupportedImageException.Reason.DAMAGED,
                refused(concat(ftyp("avif", "avif"), meta)).reason());
    }

    // ---- refusals

    @Test
    void randomGarbageIsNotAnImage() throws Exception {
        Random random = new Random(20240611);
        for (int i = 0; i < 40; i++) {
            byte[] garbage = new byte[1 + random.nextInt(4096)];
            random.nextBytes(garbage);
            if (ImageProbe.sniff(garbage).isPresent()) {
                continue; // astronomically unlikely; not what this test is about
            }
            assertEquals(
                    UnsupportedImageException.Reason.NOT_AN_IMAGE,
                    refused(garbage).reason(),
                    "garbage #" + i);
        }
    }

    @Test
    void textFileNamedPngIsNotAnImage() throws Exception {
        Path text = write("Hello, this is not a picture.\n".getBytes(StandardCharsets.UTF_8), "photo.png");
        UnsupportedImageException e = assertThrows(UnsupportedImageException.class, () -> ImageProbe.probe(text));
        assertEquals(UnsupportedImageException.Reason.NOT_AN_IMAGE, e.reason());
        assertEquals("The file is not a supported image (JPEG, PNG, GIF, WebP, BMP, AVIF, HEIC).", e.getMessage());
    }

    @Test
    void emptyFileIsNotAnImage() throws Exception {
        assertEquals(
                UnsupportedImageException.Reason.NOT_AN_IMAGE,
                refused(new byte[0]).reason());
    }

    @Test
    void fileEndingInsideASignatureIsDamaged() throws Exception {
        UnsupportedImageException e = refused(Arrays.copyOf(Samples.png(2, 2), 5));
        assertEquals(UnsupportedImageException.Reason.DAMAGED, e.reason());
        assertEquals("The image file is damaged: its header is incomplete or invalid.", e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void truncatedFilesGiveTheRightAnswerOrARefusalNeverAnotherException() throws Exception {
        for (Map.Entry<String, byte[]> sample : samples().entrySet()) {
            byte[] full = sample.getValue();
            ImageInfo expected = probe(full);
            for (int length = 0; length < full.length; length++) {
                byte[] prefix = Arrays.copyOf(full, length);
                try {
                    ImageInfo got = probe(prefix);
                    String where = sample.getKey() + " cut at " + length + ": " + got;
                    assertEquals(expected.format(), got.format(), where);
                    assertEquals(expected.width(), got.width(), where);
                    assertEquals(expected.height(), got.height(), where);
                    assertTrue(got.frames() >= 1 && got.frames() <= expected.frames(), where);
                } catch (UnsupportedImageException expectedRefusal) {
                    // fine: either the answer or a refusal
                } catch (Exception | Error e) {
                    fail(sample.getKey() + " cut at " + length + " threw " + e, e);
                }
            }
        }
    }

    static Map<String, byte[]> samples() {
        Map<String, byte[]> samples = new LinkedHashMap<>();
        samples.put(
                "jpeg",
                Bytes.jpegWithSegments(
                        Samples.jpeg(16, 8), Bytes.segment(0xE1, concat(ascii("Exif\0\0"), Tiff.sample(1)))));
        samples.put("png", Samples.png(9, 7));
        samples.put("apng", Samples.apng(9, 7, 4));
        samples.put("gif", Samples.gif(6, 5));
        samples.put("animated gif", Samples.animatedGif(6, 5, 3));
        samples.put("gif 0x0 screen", Samples.gifWithZeroScreen(6, 5));
        samples.put("webp lossy", Samples.webpLossy(40, 30));
        samples.put("webp lossless", Samples.webpLossless(40, 30));
        samples.put("webp extended", Samples.webpExtended(40, 30));
        samples.put("webp animated", Samples.webpAnimated(40, 30, 3));
        samples.put("bmp", Samples.bmp(5, 3));
        samples.put("bmp core", Samples.coreBmp(5, 3));
        samples.put("avif", Samples.avif());
        samples.put("heic", Samples.heicGrid());
        samples.put("avif sequence", Samples.avifSequence(true, 4));
        samples.put("avif sequence without meta", Samples.avifSequence(false, 4));
        return samples;
    }

    // ---- sniff

    @Test
    void sniffKnowsEveryMagic() {
        assertEquals(Optional.of(ImageFormat.JPEG), ImageProbe.sniff(u8(0xFF, 0xD8, 0xFF, 0xE0)));
        assertEquals(Optional.of(ImageFormat.PNG), ImageProbe.sniff(Bytes.PNG_SIGNATURE));
        assertEquals(Optional.of(ImageFormat.GIF), ImageProbe.sniff(ascii("GIF87a")));
        assertEquals(Optional.of(ImageFormat.GIF), ImageProbe.sniff(ascii("GIF89a")));
        assertEquals(Optional.of(ImageFormat.WEBP), ImageProbe.sniff(concat(ascii("RIFF"), u32be(0), ascii("WEBP"))));
        assertEquals(Optional.of(ImageFormat.BMP), ImageProbe.sniff(Arrays.copyOf(Samples.bmp(2, 2), 18)));
        assertEquals(Optional.of(ImageFormat.AVIF), ImageProbe.sniff(ftyp("avif", "mif1")));
        assertEquals(Optional.of(ImageFormat.AVIF), ImageProbe.sniff(ftyp("mif1", "mif1", "avif")));
        assertEquals(Optional.of(ImageFormat.AVIF), ImageProbe.sniff(ftyp("avis", "msf1")));
        assertEquals(Optional.of(ImageFormat.HEIC), ImageProbe.sniff(ftyp("heic", "mif1", "heic")));
        assertEquals(Optional.of(ImageFormat.HEIC), ImageProbe.sniff(ftyp("heix", "mif1")));
        assertEquals(Optional.of(ImageFormat.HEIC), ImageProbe.sniff(ftyp("mif1", "mif1", "heic")));
    }

    @Test
    void sniffRefusesLookAlikes() {
        assertEquals(Optional.empty(), ImageProbe.sniff(new byte[0]));
        assertEquals(Optional.empty(), ImageProbe.sniff(ascii("BMW is not a bitmap header")));
        assertEquals(Optional.empty(), ImageProbe.sniff(concat(ascii("RIFF"), u32be(0), ascii("WAVE"))));
        assertEquals(Optional.empty(), ImageProbe.sniff(ascii("GIF90a")));
        assertEquals(Optional.empty(), ImageProbe.sniff(ftyp("isom", "isom", "mp42")));
        assertEquals(Optional.empty(), ImageProbe.sniff(ftyp("qt  ")));
        assertEquals(Optional.empty(), ImageProbe.sniff(u8(0xFF, 0xD8)));
        assertArrayEquals(Bytes.PNG_SIGNATURE, Magic.PNG);
    }
}
