package dev.tesela.imaging;

import java.io.IOException;
import java.io.OutputStream;

/**
 * WebP part of {@link MetadataStripper}. Two passes over the chunk headers: the first checks the layout and sums
 * the kept chunks for the new RIFF size, the second copies them.
 */
final class WebpStripper {
    private static final int MAX_CHUNKS = 1_000_000;

    private WebpStripper() {}

    static void strip(ByteReader r, OutputStream out, boolean keepIcc) throws IOException, UnsupportedImageException {
        if (r.size() < 12 || r.fourCc() != PngHeader.fourCc("RIFF")) {
            throw UnsupportedImageException.notAnImage("WebP: no RIFF header");
        }
        long riffEnd = 8 + r.u32le();
        if (r.fourCc() != PngHeader.fourCc("WEBP")) {
            throw UnsupportedImageException.notAnImage("WebP: RIFF form is not WEBP");
        }
        if (riffEnd > r.size()) {
            throw UnsupportedImageException.damaged("WebP: RIFF size " + riffEnd + " beyond the file's " + r.size());
        }
        int first = riffEnd >= 20 ? chunkType(r, 12) : 0;
        if (first != WebpHeader.VP8 && first != WebpHeader.VP8L && first != WebpHeader.VP8X) {
            throw UnsupportedImageException.damaged("WebP: first chunk is not VP8, VP8L or VP8X");
        }
        long keptSize = 4; // "WEBP"
        int chunks = 0;
        for (long at = 12; at < riffEnd; chunks++) {
            if (chunks >= MAX_CHUNKS) {
                throw UnsupportedImageException.damaged("WebP: more than " + MAX_CHUNKS + " chunks");
            }
            long size = chunkSize(r, at, riffEnd);
            if (keep(chunkType(r, at), keepIcc)) {
                keptSize += 8 + size + (size & 1);
            }
            at = next(at, size, riffEnd);
        }
        if (keptSize > 0xFFFF_FFFFL - 8) {
            throw UnsupportedImageException.damaged("WebP: too large");
        }
        out.write(Magic.ascii("RIFF"));
        MetadataStripper.writeU32le(out, keptSize);
        out.write(Magic.ascii("WEBP"));
        for (long at = 12; at < riffEnd; ) {
            int type = chunkType(r, at);
            long size = chunkSize(r, at, riffEnd);
            if (keep(type, keepIcc)) {
                MetadataStripper.writeU32be(out, type);
                MetadataStripper.writeU32le(out, size);
                r.seek(at + 8);
                if (type == WebpHeader.VP8X && size >= 1) {
                    int cleared = WebpHeader.FLAG_EXIF | WebpHeader.FLAG_XMP | (keepIcc ? 0 : WebpHeader.FLAG_ICC);
                    out.write(r.u8() & ~cleared);
                    r.copyTo(out, size - 1);
                } else {
                    r.copyTo(out, size);
                }
                if ((size & 1) != 0) {
                    out.write(0);
                }
            }
            at = next(at, size, riffEnd);
        }
    }

    private static boolean keep(int type, boolean keepIcc) {
        return type != WebpHeader.EXIF && type != WebpHeader.XMP && (keepIcc || type != WebpHeader.ICCP);
    }

    private static int chunkType(ByteReader r, long at) throws IOException, UnsupportedImageException {
        r.seek(at);
        return r.fourCc();
    }

    /** The chunk's data size, which must fit in the RIFF payload (the last chunk's pad byte may be missing). */
    private static long chunkSize(ByteReader r, long at, long riffEnd) throws IOException, UnsupportedImageException {
        if (riffEnd - at < 8) {
            throw UnsupportedImageException.damaged("WebP: partial chunk header at " + at);
        }
        r.seek(at + 4);
        long size = r.u32le();
        if (size > riffEnd - at - 8) {
            throw UnsupportedImageException.damaged(
                    "WebP: chunk of " + size + " bytes at " + at + " beyond the RIFF end");
        }
        return size;
    }

    private static long next(long at, long size, long riffEnd) {
        return Math.min(at + 8 + size + (size & 1), riffEnd);
    }
}
