package dev.tesela.imaging;

import java.io.IOException;

/**
 * WebP container (RIFF, "WEBP"): the first chunk is VP8 (lossy: key-frame header, 14-bit sizes), VP8L (lossless:
 * 14-bit sizes minus one) or VP8X (extended: 24-bit canvas size minus one, and flags). An animated VP8X file has one
 * ANMF chunk per frame; counting them walks the chunk headers of the whole file (the frame data is skipped). Chunk
 * data is padded to an even length. Stateless.
 */
final class WebpHeader {
    static final int VP8 = PngHeader.fourCc("VP8 ");
    static final int VP8L = PngHeader.fourCc("VP8L");
    static final int VP8X = PngHeader.fourCc("VP8X");
    static final int ANMF = PngHeader.fourCc("ANMF");
    static final int EXIF = PngHeader.fourCc("EXIF");
    static final int XMP = PngHeader.fourCc("XMP ");
    static final int ICCP = PngHeader.fourCc("ICCP");

    /** VP8X flag bits. */
    static final int FLAG_ICC = 0x20;

    static final int FLAG_EXIF = 0x08;
    static final int FLAG_XMP = 0x04;
    static final int FLAG_ANIMATION = 0x02;

    /** Chunks walked when counting frames (frames are capped separately at {@link ImageProbe#MAX_FRAMES}). */
    private static final int MAX_CHUNKS = 1_000_000;

    private WebpHeader() {}

    static ImageInfo probe(ByteReader r) throws IOException, UnsupportedImageException {
        r.seek(4);
        long riffEnd = 8 + r.u32le();
        r.seek(12);
        int type = r.fourCc();
        long size = r.u32le();
        long dataStart = r.position();
        if (type == VP8) {
            if (size < 10) {
                throw UnsupportedImageException.damaged("WebP: VP8 chunk of " + size + " bytes");
            }
            int frameTag = r.u24le();
            if ((frameTag & 1) != 0 || r.u8() != 0x9D || r.u8() != 0x01 || r.u8() != 0x2A) {
                throw UnsupportedImageException.damaged("WebP: VP8 data does not start with a key frame");
            }
            return info(r.u16le() & 0x3FFF, r.u16le() & 0x3FFF, 1);
        }
        if (type == VP8L) {
            if (size < 5 || r.u8() != 0x2F) {
                throw UnsupportedImageException.damaged("WebP: VP8L signature missing");
            }
            long bits = r.u32le();
            if ((bits >>> 29) != 0) {
                throw UnsupportedImageException.damaged("WebP: VP8L version " + (bits >>> 29));
            }
            return info((int) (bits & 0x3FFF) + 1, (int) ((bits >>> 14) & 0x3FFF) + 1, 1);
        }
        if (type == VP8X) {
            if (size < 10) {
                throw UnsupportedImageException.damaged("WebP: VP8X chunk of " + size + " bytes");
            }
            int flags = r.u8();
            r.skip(3);
            int width = r.u24le() + 1;
            int height = r.u24le() + 1;
            if ((flags & FLAG_ANIMATION) == 0) {
                return info(width, height, 1);
            }
            r.seek(dataStart + size + (size & 1));
            return info(width, height, countFrames(r, riffEnd));
        }
        throw UnsupportedImageException.damaged("WebP: first chunk is " + Integer.toHexString(type));
    }

    /** Counts ANMF chunks from the position to the end of the RIFF payload or the file, whichever is first. */
    private static int countFrames(ByteReader r, long riffEnd) throws IOException, UnsupportedImageException {
        int frames = 0;
        int chunks = 0;
        while (frames < ImageProbe.MAX_FRAMES && r.remaining() >= 8 && riffEnd - r.position() >= 8) {
            if (++chunks > MAX_CHUNKS) {
                throw UnsupportedImageException.damaged("WebP: more than " + MAX_CHUNKS + " chunks");
            }
            int type = r.fourCc();
            long size = r.u32le();
            if (type == ANMF) {
                frames++;
            }
            r.skip(size + (size & 1));
        }
        if (frames == 0) {
            throw UnsupportedImageException.damaged("WebP: animation flag set but no ANMF chunk");
        }
        return frames;
    }

    private static ImageInfo info(int width, int height, int frames) throws UnsupportedImageException {
        if (width == 0 || height == 0) {
            throw UnsupportedImageException.damaged("WebP: size " + width + "x" + height);
        }
        return new ImageInfo(ImageFormat.WEBP, width, height, frames);
    }
}
