package dev.tesela.imaging;

import java.io.IOException;

/**
 * BMP headers: the 14-byte file header, then a DIB header whose size says its kind — BITMAPCOREHEADER (12 bytes,
 * unsigned 16-bit size) or BITMAPINFOHEADER and its successors (signed 32-bit size; a negative height means the rows
 * are stored top-down). Stateless.
 */
final class BmpHeader {
    private BmpHeader() {}

    static ImageInfo probe(ByteReader r) throws IOException, UnsupportedImageException {
        r.seek(14);
        long headerSize = r.u32le();
        long width;
        long height;
        if (headerSize == 12) {
            width = r.u16le();
            height = r.u16le();
        } else {
            width = (int) r.u32le();
            height = Math.abs((long) (int) r.u32le());
        }
        if (width <= 0 || height <= 0 || height > Integer.MAX_VALUE) {
            throw UnsupportedImageException.damaged("BMP: size " + width + "x" + height);
        }
        return new ImageInfo(ImageFormat.BMP, (int) width, (int) height, 1);
    }
}
