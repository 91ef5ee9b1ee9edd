package dev.tesela.imaging;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** PNG part of {@link MetadataStripper}: copies chunks (CRCs included) except the metadata ones. */
final class PngStripper {
    private PngStripper() {}

    static void strip(ByteReader r, OutputStream out, boolean keepIcc) throws IOException, UnsupportedImageException {
        if (!Arrays.equals(r.peek(Magic.PNG.length), Magic.PNG)) {
            throw UnsupportedImageException.notAnImage("PNG: no signature");
        }
        r.copyTo(out, Magic.PNG.length);
        boolean first = true;
        boolean sawData = false;
        while (true) {
            long length = r.u32be();
            int type = r.fourCc();
            if (length > PngHeader.MAX_CHUNK_LENGTH) {
                throw UnsupportedImageException.damaged("PNG: chunk length " + length);
            }
            if (first && type != PngHeader.IHDR) {
                throw UnsupportedImageException.damaged("PNG: first chunk is not IHDR");
            }
            first = false;
            sawData |= type == PngHeader.IDAT;
            if (isMetadata(type, keepIcc)) {
                r.skip(length + 4);
            } else {
                MetadataStripper.writeU32be(out, length);
                MetadataStripper.writeU32be(out, type);
                r.copyTo(out, length + 4);
            }
            if (type == PngHeader.IEND) {
                if (!sawData) {
                    throw UnsupportedImageException.damaged("PNG: no IDAT");
                }
                return;
            }
        }
    }

    private static boolean isMetadata(int type, boolean keepIcc) {
        return type == PngHeader.EXIF
                || type == PngHeader.TEXT
                || type == PngHeader.ZTXT
                || type == PngHeader.ITXT
                || type == PngHeader.TIME
                || (type == PngHeader.ICCP && !keepIcc);
    }
}
