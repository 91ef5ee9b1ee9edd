package dev.tesela.imaging;

import java.io.IOException;

/**
 * PNG chunk layout (PNG spec §5; APNG {@code acTL}): the probe reads IHDR for the size and looks for {@code acTL}
 * among the chunks before the first IDAT. Stateless.
 */
final class PngHeader {
    static final int IHDR = fourCc("IHDR");
    static final int IDAT = fourCc("IDAT");
    static final int IEND = fourCc("IEND");
    static final int ACTL = fourCc("acTL");
    static final int ICCP = fourCc("iCCP");
    static final int TEXT = fourCc("tEXt");
    static final int ZTXT = fourCc("zTXt");
    static final int ITXT = fourCc("iTXt");
    static final int EXIF = fourCc("eXIf");
    static final int TIME = fourCc("tIME");
    /** PNG chunk lengths are at most 2^31 − 1. */
    static final long MAX_CHUNK_LENGTH = 0x7FFF_FFFFL;

    /** Chunks walked between IHDR and IDAT; real files have a handful. */
    private static final int MAX_CHUNKS_BEFORE_IDAT = 10_000;

    private PngHeader() {}

    static ImageInfo probe(ByteReader r) throws IOException, UnsupportedImageException {
        r.seek(Magic.PNG.length);
        long ihdrLength = r.u32be();
        if (r.fourCc() != IHDR || ihdrLength != 13) {
            throw UnsupportedImageException.damaged("PNG: first chunk is not a 13-byte IHDR");
        }
        long width = r.u32be();
        long height = r.u32be();
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw UnsupportedImageException.damaged("PNG: size " + width + "x" + height);
        }
        r.skip(5 + 4); // bit depth, colour type, compression, filter, interlace; CRC
        for (int chunk = 0; chunk < MAX_CHUNKS_BEFORE_IDAT; chunk++) {
            long length = r.u32be();
            int type = r.fourCc();
            if (length > MAX_CHUNK_LENGTH) {
                throw UnsupportedImageException.damaged("PNG: chunk length " + length);
            }
            if (type == IDAT) {
                return new ImageInfo(ImageFormat.PNG, (int) width, (int) height, 1);
            }
            if (type == IEND) {
                throw UnsupportedImageException.damaged("PNG: IEND before any IDAT");
            }
            if (type == ACTL && length >= 8) {
                long frames = r.u32be();
                // num_frames 0 is invalid APNG; decoders then show the still image, so do we
                int counted = frames == 0 ? 1 : (int) Math.min(frames, ImageProbe.MAX_FRAMES);
                return new ImageInfo(ImageFormat.PNG, (int) width, (int) height, counted);
            }
            r.skip(length + 4);
        }
        throw UnsupportedImageException.damaged("PNG: no IDAT in the first " + MAX_CHUNKS_BEFORE_IDAT + " chunks");
    }

    static int fourCc(String s) {
        return s.charAt(0) << 24 | s.charAt(1) << 16 | s.charAt(2) << 8 | s.charAt(3);
    }
}
