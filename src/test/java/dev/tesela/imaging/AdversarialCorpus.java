package dev.tesela.imaging;

import static dev.tesela.imaging.Bytes.ascii;
import static dev.tesela.imaging.Bytes.concat;
import static dev.tesela.imaging.Bytes.u16be;
import static dev.tesela.imaging.Bytes.u16le;
import static dev.tesela.imaging.Bytes.u32be;
import static dev.tesela.imaging.Bytes.u8;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Generates, deterministically (seeded), a corpus of hostile and broken image files for upload tests: nothing is
 * committed but this generator. Categories:
 * <ul>
 *   <li>{@code valid}: small real files of every accepted format (JPEG baseline and progressive, PNG opaque and with
 *       alpha, GIF still and animated, WebP, animated WebP, BMP, AVIF, HEIC);</li>
 *   <li>{@code extreme-aspect}: real PNG/JPEG/GIF files of 60000×1, 1×60000, 30000×2, 2×30000, 65535×1 (the largest
 *       aspect ratio accepted) and 65536×1 (one past it);</li>
 *   <li>{@code forged-dimensions}: each valid file with its header's size rewritten (extreme aspect ratios, sizes over
 *       the pixel limits, sizes within them that the data does not fill);</li>
 *   <li>{@code truncated}: each valid file cut at many offsets;</li>
 *   <li>{@code bit-flips}: each valid file with 1-8 random bits flipped (seeded {@link Random});</li>
 *   <li>{@code polyglot}: images with a ZIP, HTML, PHP or JavaScript appended or wrapped around them;</li>
 *   <li>{@code wrong-type}: real images under other extensions and with declared Content-Types that disagree;</li>
 *   <li>{@code oversized-metadata}: huge EXIF/XMP/ICC/COM segments, PNG text and iCCP chunks (including zlib bombs:
 *       a few hundred KB that inflate to hundreds of MB), WebP EXIF/XMP chunks, GIF comments;</li>
 *   <li>{@code tiny}: empty, 1-byte and signature-only files.</li>
 * </ul>
 * Stateless apart from the seed; not thread-safe while generating.
 */
public final class AdversarialCorpus {
    /** One file to upload. {@code name} is the file name sent; {@code contentType} the declared type. */
    public record Sample(String category, String name, String contentType, byte[] bytes) {}

    private final Random random;
    private final List<Sample> samples = new ArrayList<>();
    private int serial;

    private AdversarialCorpus(long seed) {
        this.random = new Random(seed);
    }

    /** The whole corpus for {@code seed} (the same list for the same seed). */
    public static List<Sample> generate(long seed) {
        AdversarialCorpus corpus = new AdversarialCorpus(seed);
        corpus.build();
        return List.copyOf(corpus.samples);
    }

    private record Base(String kind, String extension, String type, byte[] bytes) {}

    private void build() {
        List<Base> bases = new ArrayList<>();
        bases.add(new Base("jpeg", "jpg", "image/jpeg", encode(picture(96, 64, 1), "jpeg")));
        bases.add(new Base("jpeg-progressive", "jpg", "image/jpeg", Samples.progressiveJpeg(80, 60)));
        bases.add(new Base("png", "png", "image/png", encode(picture(90, 70, 2), "png")));
        bases.add(new Base("png-alpha", "png", "image/png", encode(alphaPicture(70, 50), "png")));
        bases.add(new Base("gif", "gif", "image/gif", encode(picture(60, 40, 3), "gif")));
        bases.add(new Base("gif-animated", "gif", "image/gif", Samples.animatedGif(48, 32, 4)));
        bases.add(new Base("webp", "webp", "image/webp", encode(picture(64, 48, 4), "webp")));
        bases.add(new Base("webp-animated", "webp", "image/webp", resource("animated.webp")));
        bases.add(new Base("bmp", "bmp", "image/bmp", encode(picture(50, 30, 5), "bmp")));
        bases.add(new Base("avif", "avif", "image/avif", resource("quadrants.avif")));
        bases.add(new Base("heic", "heic", "image/heic", resource("quadrants.heic")));

        for (Base b : bases) {
            add("valid", b.kind() + "." + b.extension(), b.type(), b.bytes());
        }
        extremeAspect();
        for (Base b : bases) {
            forgedDimensions(b);
        }
        for (Base b : bases) {
            truncations(b);
        }
        for (Base b : bases) {
            bitFlips(b, 12);
        }
        polyglots();
        wrongTypes();
        oversizedMetadata();
        tiny();
    }

    // ---- categories --------------------------------------------------------------------------------------------

    private void extremeAspect() {
        int[][] sizes = {{60000, 1}, {1, 60000}, {30000, 2}, {2, 30000}, {65535, 1}, {1, 65535}, {65536, 1}};
        for (int[] s : sizes) {
            add("extreme-aspect", s[0] + "x" + s[1] + ".png", "image/png", encode(picture(s[0], s[1], serial), "png"));
        }
        for (int[] s : new int[][] {{60000, 1}, {1, 60000}, {30000, 2}}) {
            add(
                    "extreme-aspect",
                    s[0] + "x" + s[1] + ".jpg",
                    "image/jpeg",
                    encode(picture(s[0], s[1], serial), "jpeg"));
        }
        add("extreme-aspect", "30000x2.gif", "image/gif", encode(picture(30000, 2, serial), "gif"));
    }

    /** Sizes written into headers: extreme aspect ratios, over the limits, and within them but not backed by data. */
    private static final int[][] FORGED = {
        {60000, 1},
        {1, 60000},
        {30000, 2},
        {2, 30000},
        {65535, 65535},
        {50000, 50000},
        {12000, 12000},
        {2000, 2000},
        {16383, 16383},
        {1, 1}
    };

    private void forgedDimensions(Base b) {
        for (int[] size : FORGED) {
            byte[] forged = withSize(b, size[0], size[1]);
            if (forged != null) {
                add(
                        "forged-dimensions",
                        b.kind() + "-" + size[0] + "x" + size[1] + "." + b.extension(),
                        b.type(),
                        forged);
            }
        }
        if (b.kind().equals("gif-animated")) {
            // A frame reaching far past a small screen: the frame is what a decoder allocates.
            byte[] gif = b.bytes().clone();
            int at = firstImageDescriptor(gif);
            if (at > 0) {
                System.arraycopy(u16le(40000), 0, gif, at + 5, 2);
                System.arraycopy(u16le(40000), 0, gif, at + 7, 2);
                add("forged-dimensions", "gif-frame-past-screen.gif", b.type(), gif);
            }
        }
    }

    private void truncations(Base b) {
        int length = b.bytes().length;
        int cuts = 10;
        for (int i = 1; i <= cuts; i++) {
            int at = Math.max(2, (int) ((long) length * i / (cuts + 1)));
            add("truncated", b.kind() + "-cut" + at + "." + b.extension(), b.type(), Arrays.copyOf(b.bytes(), at));
        }
        add("truncated", b.kind() + "-cut-last." + b.extension(), b.type(), Arrays.copyOf(b.bytes(), length - 1));
    }

    private void bitFlips(Base b, int variants) {
        for (int v = 0; v < variants; v++) {
            byte[] flipped = b.bytes().clone();
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
                // Mostly in the header and early data, where flips change sizes, tables and chunk lengths.
                int limit = random.nextBoolean() ? Math.min(flipped.length, 256) : flipped.length;
                int at = random.nextInt(limit);
                flipped[at] ^= (byte) (1 << random.nextInt(8));
            }
            add("bit-flips", b.kind() + "-flip" + v + "." + b.extension(), b.type(), flipped);
        }
    }

    private void polyglots() {
        byte[] zip = zip("payload.txt", "hello from inside the zip");
        byte[] html = ascii("<html><body><script>alert(document.domain)</script></body></html>");
        byte[] php = ascii("<?php system($_GET['c']); ?>");
        add("polyglot", "png-zip.png", "image/png", concat(encode(picture(40, 40, 11), "png"), zip));
        add("polyglot", "png-html.png", "image/png", concat(encode(picture(41, 40, 12), "png"), html));
        add("polyglot", "jpeg-php.jpg", "image/jpeg", concat(encode(picture(42, 40, 13), "jpeg"), php));
        add("polyglot", "jpeg-zip.jpg", "image/jpeg", concat(encode(picture(43, 40, 14), "jpeg"), zip));
        add("polyglot", "gif-html.gif", "image/gif", concat(encode(picture(44, 40, 15), "gif"), html));
        // GIF+JS: "GIF89a=..." parses as JavaScript; the screen width/height bytes are "/*" and the file ends "*/".
        byte[] gif = encode(picture(45, 40, 16), "gif");
        byte[] gifJs = gif.clone();
        gifJs[6] = '/';
        gifJs[7] = '*';
        add("polyglot", "gif-js.gif", "image/gif", concat(gifJs, ascii("*/=1;alert(1);")));
        add("polyglot", "html-then-png.png", "image/png", concat(html, encode(picture(46, 40, 17), "png")));
        add("polyglot", "zip-then-jpeg.jpg", "image/jpeg", concat(zip, encode(picture(47, 40, 18), "jpeg")));
        add(
                "polyglot",
                "svg-script.svg",
                "image/svg+xml",
                ascii("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"));
        add(
                "polyglot",
                "pdf-with-jpeg.pdf",
                "application/pdf",
                concat(ascii("%PDF-1.4\n"), encode(picture(48, 40, 19), "jpeg")));
        add("polyglot", "webp-html.webp", "image/webp", concat(encode(picture(49, 40, 20), "webp"), html));
        add("polyglot", "bmp-php.bmp", "image/bmp", concat(encode(picture(50, 40, 21), "bmp"), php));
    }

    private void wrongTypes() {
        String[][] names = {
            {"php", "application/x-php"},
            {"html", "text/html"},
            {"svg", "image/svg+xml"},
            {"png", "image/png"},
            {"jpg", "image/jpeg"},
            {"", "application/octet-stream"}
        };
        String[][] actual = {{"jpeg", "jpeg"}, {"png", "png"}, {"gif", "gif"}, {"webp", "webp"}, {"bmp", "bmp"}};
        int size = 30;
        for (String[] real : actual) {
            for (String[] claimed : names) {
                byte[] bytes = encode(picture(size, 20, serial), real[1]);
                size++;
                String name = "really-" + real[0] + (claimed[0].isEmpty() ? "" : "." + claimed[0]);
                add("wrong-type", name, claimed[1], bytes);
            }
        }
    }

    private void oversizedMetadata() {
        byte[] jpeg = encode(picture(64, 48, 31), "jpeg");
        byte[] fill = new byte[65_000];
        random.nextBytes(fill);
        // 20 COM segments of 64 KB: 1.3 MB of comments.
        byte[][] comments = new byte[20][];
        for (int i = 0; i < comments.length; i++) {
            comments[i] = Bytes.segment(0xFE, fill);
        }
        add("oversized-metadata", "jpeg-comments.jpg", "image/jpeg", Bytes.jpegWithSegments(jpeg, comments));
        // 16 APP1 EXIF segments, each a TIFF header whose IFD claims 65535 entries.
        byte[] exif =
                concat(ascii("Exif\0\0"), ascii("MM"), u16be(42), u32be(8), u16be(0xFFFF), Arrays.copyOf(fill, 60_000));
        byte[][] exifs = new byte[16][];
        Arrays.fill(exifs, Bytes.segment(0xE1, exif));
        add(
                "oversized-metadata",
                "jpeg-exif.jpg",
                "image/jpeg",
                Bytes.jpegWithSegments(encode(picture(65, 48, 32), "jpeg"), exifs));
        // XMP: one huge packet split over extended-XMP segments.
        byte[] xmp = concat(
                ascii("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'>"), ascii("A".repeat(64_000)));
        byte[][] xmps = new byte[10][];
        Arrays.fill(xmps, Bytes.segment(0xE1, xmp));
        add(
                "oversized-metadata",
                "jpeg-xmp.jpg",
                "image/jpeg",
                Bytes.jpegWithSegments(encode(picture(66, 48, 33), "jpeg"), xmps));
        // ICC profile announced as 255 chunks, each 64 KB of junk.
        byte[][] icc = new byte[40][];
        for (int i = 0; i < icc.length; i++) {
            icc[i] = Bytes.segment(0xE2, concat(ascii("ICC_PROFILE\0"), u8(i + 1, 255), Arrays.copyOf(fill, 60_000)));
        }
        add(
                "oversized-metadata",
                "jpeg-icc.jpg",
                "image/jpeg",
                Bytes.jpegWithSegments(encode(picture(67, 48, 34), "jpeg"), icc));

        byte[] png = encode(picture(64, 48, 35), "png");
        add(
                "oversized-metadata",
                "png-text.png",
                "image/png",
                Bytes.pngWithChunksAfterIhdr(
                        png, Bytes.pngChunk("tEXt", concat(ascii("Comment\0"), ascii("B".repeat(2_000_000))))));
        add(
                "oversized-metadata",
                "png-ztxt-bomb.png",
                "image/png",
                Bytes.pngWithChunksAfterIhdr(
                        encode(picture(65, 48, 36), "png"),
                        Bytes.pngChunk("zTXt", concat(ascii("Comment\0"), u8(0), deflatedZeros(400_000_000)))));
        add(
                "oversized-metadata",
                "png-itxt-bomb.png",
                "image/png",
                Bytes.pngWithChunksAfterIhdr(
                        encode(picture(66, 48, 37), "png"),
                        Bytes.pngChunk(
                                "iTXt",
                                concat(
                                        ascii("XML:com.adobe.xmp\0"),
                                        u8(1, 0),
                                        ascii("\0\0"),
                                        deflatedZeros(400_000_000)))));
        add(
                "oversized-metadata",
                "png-iccp-bomb.png",
                "image/png",
                Bytes.pngWithChunksAfterIhdr(
                        encode(picture(67, 48, 38), "png"),
                        Bytes.pngChunk("iCCP", concat(ascii("bomb\0"), u8(0), deflatedZeros(400_000_000)))));
        add(
                "oversized-metadata",
                "png-exif.png",
                "image/png",
                Bytes.pngWithChunksAfterIhdr(
                        encode(picture(68, 48, 39), "png"),
                        Bytes.pngChunk(
                                "eXIf",
                                concat(ascii("MM"), u16be(42), u32be(8), u16be(0xFFFF), Arrays.copyOf(fill, 65_000)))));
        byte[][] many = new byte[20_000][];
        for (int i = 0; i < many.length; i++) {
            many[i] = Bytes.pngChunk("tEXt", ascii("k" + i + "\0v"));
        }
        add(
                "oversized-metadata",
                "png-20000-chunks.png",
                "image/png",
                Bytes.pngWithChunksAfterIhdr(encode(picture(69, 48, 40), "png"), many));

        byte[] webp = encode(picture(64, 48, 41), "webp");
        byte[] webpBody = Arrays.copyOfRange(webp, 12, webp.length);
        int w = 64;
        int h = 48;
        add(
                "oversized-metadata",
                "webp-exif-xmp.webp",
                "image/webp",
                Bytes.webp(
                        Bytes.vp8x(WebpHeader.FLAG_EXIF | WebpHeader.FLAG_XMP, w, h),
                        webpBody,
                        Bytes.riffChunk(
                                "EXIF", concat(ascii("MM"), u16be(42), u32be(8), u16be(0xFFFF), new byte[3_000_000])),
                        Bytes.riffChunk("XMP ", ascii("C".repeat(3_000_000)))));

        byte[] gif = encode(picture(64, 48, 42), "gif");
        ByteArrayOutputStream comment = new ByteArrayOutputStream();
        comment.writeBytes(u8(0x21, 0xFE));
        for (int i = 0; i < 20_000; i++) {
            comment.write(255);
            comment.writeBytes(Arrays.copyOf(fill, 255));
        }
        comment.write(0);
        int at = firstBlockAfterScreen(gif);
        add(
                "oversized-metadata",
                "gif-comment.gif",
                "image/gif",
                concat(Arrays.copyOf(gif, at), comment.toByteArray(), Arrays.copyOfRange(gif, at, gif.length)));
    }

    private void tiny() {
        add("tiny", "empty.jpg", "image/jpeg", new byte[0]);
        for (int b : new int[] {0xFF, 0x89, 'G', 'R', 'B', 0x00}) {
            add("tiny", "one-byte-" + b + ".png", "image/png", u8(b));
        }
        add("tiny", "soi.jpg", "image/jpeg", u8(0xFF, 0xD8));
        add("tiny", "soi-eoi.jpg", "image/jpeg", u8(0xFF, 0xD8, 0xFF, 0xD9));
        add("tiny", "signature.png", "image/png", Bytes.PNG_SIGNATURE);
        add("tiny", "gif89a.gif", "image/gif", ascii("GIF89a"));
        add("tiny", "riff.webp", "image/webp", ascii("RIFF\0\0\0\0WEBP"));
        add("tiny", "bm.bmp", "image/bmp", ascii("BM"));
        add("tiny", "ftyp.avif", "image/avif", Bytes.ftyp("avif", "mif1"));
    }

    // ---- forging -----------------------------------------------------------------------------------------------

    /** {@code b} with its header saying {@code width} × {@code height}; null when the format cannot say that. */
    private static byte[] withSize(Base b, int width, int height) {
        byte[] f = b.bytes().clone();
        switch (b.kind()) {
            case "jpeg", "jpeg-progressive" -> {
                if (width > 0xFFFF || height > 0xFFFF) {
                    return null;
                }
                int sof = sofOffset(f);
                if (sof < 0) {
                    return null;
                }
                System.arraycopy(u16be(height), 0, f, sof + 5, 2);
                System.arraycopy(u16be(width), 0, f, sof + 7, 2);
            }
            case "png", "png-alpha" -> {
                System.arraycopy(u32be(width), 0, f, 16, 4);
                System.arraycopy(u32be(height), 0, f, 20, 4);
                CRC32 crc = new CRC32();
                crc.update(f, 12, 17);
                System.arraycopy(u32be(crc.getValue()), 0, f, 29, 4);
            }
            case "gif", "gif-animated" -> {
                if (width > 0xFFFF || height > 0xFFFF) {
                    return null;
                }
                System.arraycopy(u16le(width), 0, f, 6, 2);
                System.arraycopy(u16le(height), 0, f, 8, 2);
                int at = firstImageDescriptor(f);
                if (at > 0) {
                    System.arraycopy(u16le(width), 0, f, at + 5, 2);
                    System.arraycopy(u16le(height), 0, f, at + 7, 2);
                }
            }
            case "webp", "webp-animated" -> {
                String chunk = new String(f, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
                switch (chunk) {
                    case "VP8 " -> {
                        if (width > 0x3FFF || height > 0x3FFF) {
                            return null;
                        }
                        System.arraycopy(u16le(width), 0, f, 26, 2);
                        System.arraycopy(u16le(height), 0, f, 28, 2);
                    }
                    case "VP8L" -> {
                        if (width > 0x4000 || height > 0x4000) {
                            return null;
                        }
                        long bits = (width - 1) | ((long) (height - 1) << 14) | ((long) (f[24] & 0xF0) << 24);
                        System.arraycopy(Bytes.u32le(bits), 0, f, 21, 4);
                    }
                    case "VP8X" -> {
                        System.arraycopy(Bytes.u24le(width - 1), 0, f, 24, 3);
                        System.arraycopy(Bytes.u24le(height - 1), 0, f, 27, 3);
                    }
                    default -> {
                        return null;
                    }
                }
            }
            case "bmp" -> {
                System.arraycopy(Bytes.u32le(width), 0, f, 18, 4);
                System.arraycopy(Bytes.u32le(height), 0, f, 22, 4);
            }
            case "avif", "heic" -> {
                int at = Bytes.indexOf(f, ascii("ispe"));
                if (at < 0) {
                    return null;
                }
                System.arraycopy(u32be(width), 0, f, at + 8, 4);
                System.arraycopy(u32be(height), 0, f, at + 12, 4);
            }
            default -> {
                return null;
            }
        }
        return f;
    }

    /** Offset of the first SOFn marker (its 0xFF) of a JPEG, or -1. */
    private static int sofOffset(byte[] jpeg) {
        int at = 2;
        while (at + 4 < jpeg.length) {
            if ((jpeg[at] & 0xFF) != 0xFF) {
                return -1;
            }
            int marker = jpeg[at + 1] & 0xFF;
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                return at;
            }
            at += 2 + ((jpeg[at + 2] & 0xFF) << 8 | jpeg[at + 3] & 0xFF);
        }
        return -1;
    }

    /** Offset of the first block after a GIF's screen descriptor and global colour table. */
    private static int firstBlockAfterScreen(byte[] gif) {
        int flags = gif[10] & 0xFF;
        return 13 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0);
    }

    /** Offset of the first image descriptor (its 0x2C) of a GIF, or -1. */
    private static int firstImageDescriptor(byte[] gif) {
        int at = firstBlockAfterScreen(gif);
        while (at < gif.length) {
            int block = gif[at] & 0xFF;
            if (block == 0x2C) {
                return at;
            }
            if (block != 0x21) {
                return -1;
            }
            at += 2;
            while (at < gif.length && gif[at] != 0) {
                at += 1 + (gif[at] & 0xFF);
            }
            at++;
        }
        return -1;
    }

    // ---- building blocks ---------------------------------------------------------------------------------------

    private void add(String category, String name, String contentType, byte[] bytes) {
        serial++;
        samples.add(new Sample(category, name, contentType, bytes));
    }

    /** A gradient with a seed-dependent stripe, so no two files of the corpus are equal (duplicates are refused). */
    private static BufferedImage picture(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int stripe = Math.floorMod(seed * 7919, Math.max(1, width));
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = (x * 255 / width) << 16 | (y * 255 / height) << 8 | (seed * 37 & 0xFF);
                image.setRGB(x, y, x == stripe ? ~rgb & 0xFFFFFF : rgb);
            }
        }
        return image;
    }

    private static BufferedImage alphaPicture(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 24 | 0xFF0000 | y);
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        if (format.equals("jpeg") || format.equals("bmp")) {
            BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            rgb.createGraphics().drawImage(image, 0, 0, null);
            image = rgb;
        }
        return Samples.encode(image, format);
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdversarialCorpus.class.getResourceAsStream("/imaging/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource imaging/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] bomb;

    /** zlib data that inflates to {@code size} zero bytes (about 1/1000 of that compressed); made once per corpus. */
    private byte[] deflatedZeros(int size) {
        if (bomb == null) {
            bomb = deflate(size);
        }
        return bomb;
    }

    private static byte[] deflate(int size) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] zeros = new byte[1 << 20];
            byte[] buffer = new byte[1 << 16];
            for (int left = size; left > 0; left -= zeros.length) {
                deflater.setInput(zeros, 0, Math.min(left, zeros.length));
                while (!deflater.needsInput()) {
                    out.write(buffer, 0, deflater.deflate(buffer));
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** A one-entry ZIP (stored) with {@code text} in {@code name}. */
    private static byte[] zip(String name, String text) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
                zip.putNextEntry(new java.util.zip.ZipEntry(name));
                zip.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
