package dev.tesela.imaging;

import static dev.tesela.imaging.Bytes.ascii;
import static dev.tesela.imaging.Bytes.box;
import static dev.tesela.imaging.Bytes.concat;
import static dev.tesela.imaging.Bytes.ftyp;
import static dev.tesela.imaging.Bytes.fullBox;
import static dev.tesela.imaging.Bytes.iinf;
import static dev.tesela.imaging.Bytes.infe;
import static dev.tesela.imaging.Bytes.ipma;
import static dev.tesela.imaging.Bytes.ispe;
import static dev.tesela.imaging.Bytes.pitm;
import static dev.tesela.imaging.Bytes.riffChunk;
import static dev.tesela.imaging.Bytes.u16be;
import static dev.tesela.imaging.Bytes.u16le;
import static dev.tesela.imaging.Bytes.u32be;
import static dev.tesela.imaging.Bytes.u8;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Small sample files of every format: encoded with ImageIO where it can, hand-built from the specs otherwise. */
final class Samples {
    private Samples() {}

    static BufferedImage picture(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | ((x ^ y) & 0xFF));
            }
        }
        return image;
    }

    static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] jpeg(int width, int height) {
        return encode(picture(width, height), "jpeg");
    }

    static byte[] progressiveJpeg(int width, int height) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(picture(width, height), null, null), param);
            stream.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /** A baseline JPEG with a restart interval of one MCU row's worth: RSTn markers inside the scan. */
    static byte[] jpegWithRestarts(int width, int height) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            BufferedImage image = picture(width, height);
            javax.imageio.metadata.IIOMetadata metadata = writer.getDefaultImageMetadata(
                    javax.imageio.ImageTypeSpecifier.createFromRenderedImage(image), null);
            String format = "javax_imageio_jpeg_image_1.0";
            javax.imageio.metadata.IIOMetadataNode root =
                    (javax.imageio.metadata.IIOMetadataNode) metadata.getAsTree(format);
            javax.imageio.metadata.IIOMetadataNode dri = new javax.imageio.metadata.IIOMetadataNode("dri");
            dri.setAttribute("interval", "2");
            javax.imageio.metadata.IIOMetadataNode markers = (javax.imageio.metadata.IIOMetadataNode)
                    root.getElementsByTagName("markerSequence").item(0);
            markers.insertBefore(dri, markers.getFirstChild());
            metadata.setFromTree(format, root);
            writer.write(null, new IIOImage(image, null, metadata), null);
            stream.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    static byte[] png(int width, int height) {
        return encode(picture(width, height), "png");
    }

    static byte[] bmp(int width, int height) {
        return encode(picture(width, height), "bmp");
    }

    static byte[] gif(int width, int height) {
        return encode(picture(width, height), "gif");
    }

    static byte[] animatedGif(int width, int height, int frames) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (int i = 0; i < frames; i++) {
                BufferedImage frame = picture(width, height);
                frame.setRGB(i % width, 0, 0xFFFFFF);
                writer.writeToSequence(new IIOImage(frame, null, null), null);
            }
            writer.endWriteSequence();
            stream.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /** A GIF whose logical screen is 0 × 0: the size comes from its one image descriptor. */
    static byte[] gifWithZeroScreen(int width, int height) {
        return concat(
                ascii("GIF89a"),
                u16le(0),
                u16le(0),
                u8(0, 0, 0),
                u8(0x2C),
                u16le(0),
                u16le(0),
                u16le(width),
                u16le(height),
                u8(0),
                u8(2),
                u8(2, 0x44, 0x01),
                u8(0),
                u8(0x3B));
    }

    /** An APNG: IHDR, acTL with {@code frames}, fcTL, IDAT, IEND (image data not decodable; the probe does not care). */
    static byte[] apng(int width, int height, int frames) {
        return Bytes.png(
                Bytes.ihdr(width, height),
                Bytes.pngChunk("acTL", concat(u32be(frames), u32be(0))),
                Bytes.pngChunk("fcTL", new byte[26]),
                Bytes.pngChunk("IDAT", u8(0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01)),
                Bytes.pngChunk("IEND", new byte[0]));
    }

    /** A PNG header claiming {@code width} × {@code height}, with a token IDAT: a decompression bomb's shape. */
    static byte[] hugePng(int width, int height) {
        return Bytes.png(
                Bytes.ihdr(width, height),
                Bytes.pngChunk("IDAT", u8(0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01)),
                Bytes.pngChunk("IEND", new byte[0]));
    }

    /** A BMP with a BITMAPINFOHEADER of negative height (top-down rows), no pixel data needed by the probe. */
    static byte[] topDownBmp(int width, int height) {
        return concat(
                ascii("BM"),
                Bytes.u32le(54),
                Bytes.u32le(0),
                Bytes.u32le(54),
                Bytes.u32le(40),
                Bytes.u32le(width),
                Bytes.u32le(-height),
                u16le(1),
                u16le(24),
                new byte[24]);
    }

    /** A BMP with an OS/2 BITMAPCOREHEADER (12 bytes, 16-bit sizes). */
    static byte[] coreBmp(int width, int height) {
        return concat(
                ascii("BM"),
                Bytes.u32le(26),
                Bytes.u32le(0),
                Bytes.u32le(26),
                Bytes.u32le(12),
                u16le(width),
                u16le(height),
                u16le(1),
                u16le(24));
    }

    /** Lossy WebP: VP8 key-frame header with the 2-bit scale set in both size fields (must be masked off). */
    static byte[] webpLossy(int width, int height) {
        byte[] vp8 = concat(
                u8(0x10, 0x02, 0x00),
                u8(0x9D, 0x01, 0x2A),
                u16le(width | 0x4000),
                u16le(height | 0x8000),
                u8(1, 2, 3, 4, 5, 6));
        return Bytes.webp(riffChunk("VP8 ", vp8));
    }

    static byte[] webpLossless(int width, int height) {
        return Bytes.webp(Bytes.vp8l(width, height));
    }

    static byte[] webpExtended(int width, int height) {
        return Bytes.webp(Bytes.vp8x(0x10, width, height), riffChunk("ALPH", u8(0, 1, 2)), Bytes.vp8l(width, height));
    }

    static byte[] webpAnimated(int width, int height, int frames) {
        byte[][] chunks = new byte[frames + 2][];
        chunks[0] = Bytes.vp8x(0x02, width, height);
        chunks[1] = riffChunk("ANIM", concat(Bytes.u32le(0), u16le(0)));
        for (int i = 0; i < frames; i++) {
            chunks[i + 2] = riffChunk(
                    "ANMF",
                    concat(
                            Bytes.u24le(0),
                            Bytes.u24le(0),
                            Bytes.u24le(width - 1),
                            Bytes.u24le(height - 1),
                            Bytes.u24le(100),
                            u8(0),
                            Bytes.vp8l(width, height)));
        }
        return Bytes.webp(chunks);
    }

    static byte[] hdlr(String handler) {
        return fullBox("hdlr", 0, 0, u32be(0), ascii(handler), new byte[12], u8(0));
    }

    /**
     * AVIF whose primary item (1) is associated with ispe 640×480 while a larger ispe (1280×960) belongs to item 2:
     * the probe must follow the association, not take the largest.
     */
    static byte[] avif() {
        byte[] meta = fullBox(
                "meta",
                0,
                0,
                hdlr("pict"),
                pitm(1),
                iinf(infe(1, "av01"), infe(2, "av01"), infe(3, "Exif")),
                box(
                        "iprp",
                        box("ipco", ispe(1280, 960), ispe(640, 480), fullBox("pixi", 0, 0, u8(3, 8, 8, 8))),
                        ipma(new int[] {1, 2, 3}, new int[] {2, 1, 3})));
        return concat(ftyp("avif", "avif", "mif1", "miaf"), meta, box("mdat", new byte[32]));
    }

    /** HEIC as phones write it: the primary item is a grid (4032×3024) of 512×512 hvc1 tiles. */
    static byte[] heicGrid() {
        byte[] meta = fullBox(
                "meta",
                0,
                0,
                hdlr("pict"),
                pitm(1),
                iinf(infe(1, "grid"), infe(2, "hvc1"), infe(3, "hvc1")),
                box(
                        "iprp",
                        box("ipco", ispe(512, 512), ispe(4032, 3024), box("hvcC", new byte[23])),
                        ipma(new int[] {1, 2}, new int[] {2, 3, 1}, new int[] {3, 3, 1})));
        return concat(ftyp("heic", "mif1", "heic"), meta, box("mdat", new byte[16]));
    }

    /** Generic HEIF brands only ("mif1"); the primary item's type decides. */
    static byte[] genericHeif(String primaryType, int width, int height) {
        byte[] meta = fullBox(
                "meta",
                0,
                0,
                hdlr("pict"),
                pitm(7),
                iinf(infe(7, primaryType)),
                box("iprp", box("ipco", ispe(width, height)), ipma(new int[] {7, 1})));
        return concat(ftyp("mif1", "mif1", "miaf"), meta, box("mdat", new byte[8]));
    }

    /** AVIF image sequence: brand avis, a pict track with {@code samples} samples; with or without a meta box. */
    static byte[] avifSequence(boolean withMeta, int samples) {
        byte[] sampleSizes = new byte[0];
        for (int i = 0; i < samples; i++) {
            sampleSizes = concat(sampleSizes, u32be(10));
        }
        byte[] av01Entry = box(
                "av01", new byte[6], u16be(1), u16be(0), u16be(0), new byte[12], u16be(320), u16be(240), new byte[50]);
        byte[] stbl = box(
                "stbl",
                fullBox("stsd", 0, 0, u32be(1), av01Entry),
                fullBox("stsz", 0, 0, u32be(0), u32be(samples), sampleSizes));
        byte[] trak = box(
                "trak",
                fullBox("tkhd", 0, 3, new byte[80]),
                box(
                        "mdia",
                        fullBox("mdhd", 0, 0, new byte[20]),
                        hdlr("pict"),
                        box("minf", fullBox("vmhd", 0, 1, new byte[8]), stbl)));
        byte[] moov = box("moov", fullBox("mvhd", 0, 0, new byte[96]), trak);
        byte[] meta = withMeta
                ? fullBox(
                        "meta",
                        0,
                        0,
                        hdlr("pict"),
                        pitm(1),
                        iinf(infe(1, "av01")),
                        box("iprp", box("ipco", ispe(320, 240)), ipma(new int[] {1, 1})))
                : new byte[0];
        return concat(
                ftyp("avis", "avis", "avif", "msf1", "miaf", "mif1"), meta, box("mdat", new byte[10 * samples]), moov);
    }

    // ---- metadata payloads

    static final String XMP_PACKET = """
            <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
             <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
              <rdf:Description rdf:about=""
                xmlns:dc="http://purl.org/dc/elements/1.1/"
                xmlns:GPano="http://ns.google.com/photos/1.0/panorama/"
                GPano:ProjectionType="equirectangular">
               <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sunrise over the lake</rdf:li></rdf:Alt></dc:title>
              </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>""";

    /** IPTC-IIM datasets: record version, Object Name, Caption/Abstract, City (a location field). */
    static byte[] iptc(String objectName, String caption, String city) {
        return concat(
                u8(0x1C, 2, 0),
                u16be(2),
                u16be(4),
                u8(0x1C, 2, 5),
                u16be(Bytes.utf8(objectName).length),
                Bytes.utf8(objectName),
                u8(0x1C, 2, 120),
                u16be(Bytes.utf8(caption).length),
                Bytes.utf8(caption),
                u8(0x1C, 2, 90),
                u16be(Bytes.utf8(city).length),
                Bytes.utf8(city));
    }

    /** APP13 "Photoshop 3.0" with one 8BIM resource 0x0404 (IPTC-NAA) holding {@code iptc}. */
    static byte[] photoshopSegment(byte[] iptc) {
        byte[] pad = (iptc.length & 1) == 1 ? new byte[1] : new byte[0];
        return Bytes.segment(
                0xED,
                concat(
                        ascii("Photoshop 3.0\0"),
                        ascii("8BIM"),
                        u16be(0x0404),
                        u8(0, 0),
                        u32be(iptc.length),
                        iptc,
                        pad));
    }

    static byte[] exifSegment(byte[] tiff) {
        return Bytes.segment(0xE1, concat(ascii("Exif\0\0"), tiff));
    }

    static byte[] xmpSegment(String packet) {
        return Bytes.segment(0xE1, concat(ascii("http://ns.adobe.com/xap/1.0/\0"), Bytes.utf8(packet)));
    }

    static byte[] iccSegment() {
        return Bytes.segment(0xE2, concat(ascii("ICC_PROFILE\0"), u8(1, 1), srgbProfile()));
    }

    static byte[] srgbProfile() {
        return java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_sRGB)
                .getData();
    }

    /** APP14 Adobe, transform 1 (YCbCr): image data that must survive stripping. */
    static byte[] adobeSegment() {
        return Bytes.segment(0xEE, concat(ascii("Adobe"), u16be(100), u16be(0), u16be(0), u8(1)));
    }

    /**
     * {@code plain} (an ImageIO JPEG) with EXIF incl. GPS (orientation {@code orientation}), XMP, optionally ICC,
     * IPTC, Adobe, a comment and an unknown APP15, in that order after APP0.
     */
    static byte[] jpegWithMetadata(byte[] plain, int orientation, boolean icc) {
        byte[][] segments = {
            exifSegment(Tiff.sample(orientation)),
            xmpSegment(XMP_PACKET),
            icc ? iccSegment() : new byte[0],
            photoshopSegment(iptc("Sunrise", "Morning at the lake", "Annecy")),
            adobeSegment(),
            Bytes.segment(0xFE, ascii("shot by me")),
            Bytes.segment(0xEF, ascii("vendor junk"))
        };
        return Bytes.jpegWithSegments(plain, segments);
    }
}
