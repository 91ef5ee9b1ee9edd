package dev.tesela.imaging;

import static dev.tesela.imaging.Bytes.ascii;
import static dev.tesela.imaging.Bytes.box;
import static dev.tesela.imaging.Bytes.concat;
import static dev.tesela.imaging.Bytes.fullBox;
import static dev.tesela.imaging.Bytes.u16be;
import static dev.tesela.imaging.Bytes.u32be;
import static dev.tesela.imaging.Bytes.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MetadataReaderTest {
    private static final Instant TAKEN = Instant.parse("2021-06-15T12:34:56Z");

    @TempDir
    Path dir;

    private int files;

    private ImageMetadata read(byte[] content, ImageFormat format) throws Exception {
        return MetadataReader.read(Files.write(dir.resolve("m" + files++), content), format);
    }

    private static byte[] deflate(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    // ---- JPEG: EXIF, GPS, XMP, IPTC

    @Test
    void jpegWithEverything() throws Exception {
        ImageMetadata m = read(Samples.jpegWithMetadata(Samples.jpeg(16, 16), 6, false), ImageFormat.JPEG);
        assertEquals(6, m.orientation());
        assertTrue(m.swapsDimensions());
        assertEquals(Optional.of(TAKEN), m.takenAt());
        assertEquals(Optional.of("Sunrise over the lake"), m.title(), "XMP dc:title comes before the IPTC object name");
        assertEquals(Optional.of("A lake at dawn"), m.description());
        assertEquals(Optional.of("TestCam"), m.cameraMake());
        assertEquals(Optional.of("TC-1"), m.cameraModel());
        assertTrue(m.hasGps());
        assertTrue(m.panorama360());
    }

    @Test
    void exifMapLeavesOutLocationUnlessAsked() throws Exception {
        ImageMetadata m = read(Samples.jpegWithMetadata(Samples.jpeg(16, 16), 6, false), ImageFormat.JPEG);
        Map<String, String> withoutGps = m.exif(false);
        assertEquals("TestCam", withoutGps.get("Exif IFD0/Make"));
        assertEquals("Right side, top (Rotate 90 CW)", withoutGps.get("Exif IFD0/Orientation"));
        assertEquals("Sunrise", withoutGps.get("IPTC/Object Name"));
        assertTrue(withoutGps.containsKey("Exif SubIFD/Date/Time Original"), withoutGps.toString());
        assertTrue(withoutGps.keySet().stream().noneMatch(k -> k.startsWith("GPS/")), withoutGps.toString());
        assertFalse(withoutGps.containsKey("IPTC/City"), "IPTC location fields count as location");
        assertTrue(
                withoutGps.keySet().stream().noneMatch(k -> k.contains("Serial") || k.contains("Makernote")),
                withoutGps.toString());

        Map<String, String> withGps = m.exif(true);
        assertTrue(withGps.containsKey("GPS/GPS Latitude"), withGps.toString());
        assertEquals("Annecy", withGps.get("IPTC/City"));
        assertEquals(
                List.copyOf(withoutGps.keySet()),
                List.copyOf(withGps.keySet()).subList(0, withoutGps.size()),
                "ordered, location last");
    }

    @Test
    void iptcObjectNameIsTheTitleWithoutXmp() throws Exception {
        byte[] jpeg = Bytes.jpegWithSegments(
                Samples.jpeg(8, 8), Samples.photoshopSegment(Samples.iptc("Sunrise", "Morning at the lake", "Annecy")));
        ImageMetadata m = read(jpeg, ImageFormat.JPEG);
        assertEquals(Optional.of("Sunrise"), m.title());
        assertEquals(Optional.of("Morning at the lake"), m.description());
        assertFalse(m.hasGps());
        assertEquals(1, m.orientation());
    }

    @Test
    void cameraPlaceholderIsNotADescription() throws Exception {
        byte[] tiff = Tiff.build(new Tiff.Ifd().ascii(0x010E, "OLYMPUS DIGITAL CAMERA         "), null, null);
        byte[] jpeg = Bytes.jpegWithSegments(
                Samples.jpeg(8, 8),
                Samples.exifSegment(tiff),
                Samples.photoshopSegment(Samples.iptc("x", "The real caption", "y")));
        assertEquals(
                Optional.of("The real caption"), read(jpeg, ImageFormat.JPEG).description());
    }

    @Test
    void textIsCleanedAndCapped() throws Exception {
        String longText = "x".repeat(3000);
        byte[] tiff = Tiff.build(
                new Tiff.Ifd().ascii(0x010E, longText).ascii(0x010F, "Hello\u0007\u202Eworld\n\tagain  "), null, null);
        ImageMetadata m = read(Bytes.jpegWithSegments(Samples.jpeg(8, 8), Samples.exifSegment(tiff)), ImageFormat.JPEG);
        assertEquals(Optional.of("Hello world again"), m.cameraMake());
        assertEquals(2000, m.description().orElseThrow().length());
        assertEquals(
                ImageMetadata.MAX_VALUE_CHARS,
                m.exif(true).get("Exif IFD0/Image Description").length());
    }

    @Test
    void exifMapIsCapped() throws Exception {
        Tiff.Ifd ifd0 = new Tiff.Ifd();
        for (int i = 0; i < 300; i++) {
            ifd0.shortValue(0xC000 + i, i);
        }
        ImageMetadata m = read(
                Bytes.jpegWithSegments(Samples.jpeg(8, 8), Samples.exifSegment(Tiff.build(ifd0, null, null))),
                ImageFormat.JPEG);
        assertEquals(ImageMetadata.MAX_ENTRIES, m.exif(true).size());
    }

    @Test
    void invalidOrientationAndDatesAreIgnored() throws Exception {
        byte[] tiff = Tiff.build(
                new Tiff.Ifd().shortValue(0x0112, 9), new Tiff.Ifd().ascii(0x9003, "0000:00:00 00:00:00"), null);
        ImageMetadata m = read(Bytes.jpegWithSegments(Samples.jpeg(8, 8), Samples.exifSegment(tiff)), ImageFormat.JPEG);
        assertEquals(1, m.orientation());
        assertEquals(Optional.empty(), m.takenAt());
    }

    @Test
    void exifDates() {
        assertEquals(Optional.of(TAKEN), MetadataReader.exifDate("2021:06:15 12:34:56"));
        assertEquals(
                Optional.of(TAKEN),
                MetadataReader.exifDate("2021-06-15T12:34:56.123+02:00"),
                "offsets ignored: wall clock as UTC");
        assertEquals(Optional.of(Instant.parse("2021-06-15T12:34:00Z")), MetadataReader.exifDate("2021:06:15 12:34"));
        assertEquals(Optional.empty(), MetadataReader.exifDate("2021:13:45 99:00:00"));
        assertEquals(Optional.empty(), MetadataReader.exifDate("    :  :     :  :  "));
        assertEquals(Optional.empty(), MetadataReader.exifDate(null));
    }

    @Test
    void cleaning() {
        assertEquals(Optional.empty(), MetadataReader.clean(" \u0000\r\n ", 10));
        assertEquals(Optional.of("a b"), MetadataReader.clean("a\u0000b", 10));
        assertEquals(Optional.of("ab"), MetadataReader.clean("ab\uD83D\uDE00", 3), "never half a surrogate pair");
    }

    // ---- other containers

    @Test
    void pngExifAndTextChunks() throws Exception {
        byte[] png = Bytes.pngWithChunksAfterIhdr(
                Samples.png(4, 4),
                Bytes.pngChunk("eXIf", Tiff.sample(3)),
                Bytes.pngChunk("tEXt", ascii("Title\0PNG title")),
                Bytes.pngChunk(
                        "zTXt", concat(ascii("Description\0"), u8(0), deflate(ascii("compressed description")))));
        ImageMetadata m = read(png, ImageFormat.PNG);
        assertEquals(3, m.orientation());
        assertEquals(Optional.of("PNG title"), m.title());
        assertEquals(Optional.of("A lake at dawn"), m.description(), "EXIF ImageDescription first");
        assertEquals(Optional.of(TAKEN), m.takenAt());
        assertTrue(m.hasGps());
    }

    @Test
    void pngCompressedXmp() throws Exception {
        byte[] itxt =
                concat(ascii("XML:com.adobe.xmp\0"), u8(1, 0), ascii("\0\0"), deflate(Bytes.utf8(Samples.XMP_PACKET)));
        ImageMetadata m =
                read(Bytes.pngWithChunksAfterIhdr(Samples.png(4, 4), Bytes.pngChunk("iTXt", itxt)), ImageFormat.PNG);
        assertEquals(Optional.of("Sunrise over the lake"), m.title());
        assertTrue(m.panorama360());
    }

    @Test
    void pngDecompressionBombIsIgnored() throws Exception {
        byte[] bomb = deflate(new byte[2 << 20]); // 2 MiB of zeros in a few KiB, over the 1 MiB cap
        byte[] png = Bytes.pngWithChunksAfterIhdr(
                Samples.png(4, 4),
                Bytes.pngChunk("zTXt", concat(ascii("Description\0"), u8(0), bomb)),
                Bytes.pngChunk("eXIf", Tiff.build(new Tiff.Ifd().shortValue(0x0112, 5), null, null)));
        ImageMetadata m = read(png, ImageFormat.PNG);
        assertEquals(Optional.empty(), m.description());
        assertEquals(5, m.orientation(), "the rest of the file is still read");
    }

    @Test
    void pngChunkClaimingTwoGigabytesIsHarmless() throws Exception {
        byte[] png = Bytes.concat(
                Bytes.PNG_SIGNATURE, Bytes.ihdr(4, 4), u32be(0x7FFF_FFF0L), ascii("tEXt"), ascii("Title\0x"));
        assertEquals(ImageMetadata.EMPTY, read(png, ImageFormat.PNG));
    }

    @Test
    void webpExifAndXmpChunks() throws Exception {
        ImageMetadata m = read(MetadataStripperTest.richWebp(), ImageFormat.WEBP);
        assertEquals(8, m.orientation());
        assertEquals(Optional.of("TestCam"), m.cameraMake());
        assertEquals(Optional.of("Sunrise over the lake"), m.title());
    }

    @Test
    void webpExifWithJpegStylePrefix() throws Exception {
        byte[] webp = Bytes.webp(
                Bytes.vp8x(WebpHeader.FLAG_EXIF, 4, 4),
                Bytes.vp8l(4, 4),
                Bytes.riffChunk("EXIF", concat(ascii("Exif\0\0"), Tiff.sample(7))));
        assertEquals(7, read(webp, ImageFormat.WEBP).orientation());
    }

    /** HEIC with an Exif item and an XMP (mime) item, stored in mdat (iloc v0) or in meta/idat (iloc v1, method 1). */
    static byte[] heicWithMetadata(boolean inIdat) {
        byte[] exif = concat(u32be(6), ascii("Exif\0\0"), Tiff.sample(6));
        byte[] xmp = Bytes.utf8(Samples.XMP_PACKET);
        byte[] iinf = Bytes.iinf(
                Bytes.infe(1, "hvc1"),
                Bytes.infe(2, "Exif"),
                fullBox(
                        "infe",
                        2,
                        0,
                        u16be(3),
                        u16be(0),
                        ascii("mime"),
                        ascii("XMP\0"),
                        ascii("application/rdf+xml\0")));
        byte[] ftyp = Bytes.ftyp("heic", "mif1", "heic");
        long[] offsets = {0, exif.length};
        for (int pass = 0; pass < 2; pass++) {
            byte[] iloc = inIdat
                    ? fullBox(
                            "iloc",
                            1,
                            0,
                            u16be(0x4400),
                            u16be(2),
                            u16be(2),
                            u16be(1),
                            u16be(0),
                            u16be(1),
                            u32be(offsets[0]),
                            u32be(exif.length),
                            u16be(3),
                            u16be(1),
                            u16be(0),
                            u16be(1),
                            u32be(offsets[1]),
                            u32be(xmp.length))
                    : fullBox(
                            "iloc",
                            0,
                            0,
                            u16be(0x4400),
                            u16be(2),
                            u16be(2),
                            u16be(0),
                            u16be(1),
                            u32be(offsets[0]),
                            u32be(exif.length),
                            u16be(3),
                            u16be(0),
                            u16be(1),
                            u32be(offsets[1]),
                            u32be(xmp.length));
            byte[] meta = fullBox(
                    "meta",
                    0,
                    0,
                    Samples.hdlr("pict"),
                    Bytes.pitm(1),
                    iinf,
                    iloc,
                    box("iprp", box("ipco", Bytes.ispe(64, 48)), Bytes.ipma(new int[] {1, 1})),
                    inIdat ? box("idat", exif, xmp) : new byte[0]);
            if (inIdat) {
                return concat(ftyp, meta, box("mdat", new byte[16]));
            }
            long mdatData = ftyp.length + meta.length + 8;
            offsets = new long[] {mdatData, mdatData + exif.length};
            if (pass == 1) {
                return concat(ftyp, meta, box("mdat", exif, xmp));
            }
        }
        throw new AssertionError();
    }

    @Test
    void heicExifAndXmpItems() throws Exception {
        for (boolean inIdat : new boolean[] {false, true}) {
            byte[] heic = heicWithMetadata(inIdat);
            assertEquals(
                    new ImageInfo(ImageFormat.HEIC, 64, 48, 1),
                    ImageProbe.probe(Files.write(dir.resolve("p" + inIdat), heic)));
            ImageMetadata m = read(heic, ImageFormat.HEIC);
            assertEquals(1, m.orientation(), "HEIC orientation is the container's business");
            assertEquals(Optional.of("TestCam"), m.cameraMake(), "idat: " + inIdat);
            assertEquals(Optional.of(TAKEN), m.takenAt());
            assertEquals(Optional.of("Sunrise over the lake"), m.title());
            assertTrue(m.hasGps());
            assertTrue(m.panorama360());
        }
    }

    @Test
    void avifWithoutMetadataItems() throws Exception {
        assertEquals(ImageMetadata.EMPTY, read(Samples.avif(), ImageFormat.AVIF));
    }

    @Test
    void gifAndBmp() throws Exception {
        assertEquals(ImageMetadata.EMPTY, read(Samples.bmp(4, 4), ImageFormat.BMP));
        assertEquals(1, read(Samples.animatedGif(4, 4, 2), ImageFormat.GIF).orientation());
    }

    // ---- never throws

    @Test
    void garbageExifIsEmptyMetadata() throws Exception {
        byte[] junk = new byte[400];
        new Random(7).nextBytes(junk);
        ImageMetadata m = read(
                Bytes.jpegWithSegments(
                        Samples.jpeg(8, 8),
                        Bytes.segment(0xE1, concat(ascii("Exif\0\0MM\0*"), junk)),
                        Samples.xmpSegment("<x:xmpmeta><rdf:RDF><unclosed")),
                ImageFormat.JPEG);
        assertEquals(1, m.orientation());
    }

    @Test
    void missingFileIsEmptyMetadata() {
        assertEquals(ImageMetadata.EMPTY, MetadataReader.read(dir.resolve("nope.jpg"), ImageFormat.JPEG));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void mutatedFilesNeverThrow() throws Exception {
        Map<ImageFormat, byte[]> samples = Map.of(
                ImageFormat.JPEG, Samples.jpegWithMetadata(Samples.jpeg(8, 8), 6, false),
                ImageFormat.PNG,
                        Bytes.pngWithChunksAfterIhdr(Samples.png(4, 4), MetadataStripperTest.pngMetadataChunks()),
                ImageFormat.WEBP, MetadataStripperTest.richWebp(new byte[20], Samples.XMP_PACKET),
                ImageFormat.HEIC, heicWithMetadata(false));
        Random random = new Random(42);
        for (Map.Entry<ImageFormat, byte[]> sample : samples.entrySet()) {
            for (int i = 0; i < 150; i++) {
                byte[] mutated = sample.getValue().clone();
                for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
                    mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
                }
                try {
                    read(mutated, sample.getKey());
                } catch (Throwable t) {
                    fail(sample.getKey() + " mutation " + i + " threw " + t, t);
                }
            }
        }
    }
}
