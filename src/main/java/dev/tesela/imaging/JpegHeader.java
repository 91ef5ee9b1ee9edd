package dev.tesela.imaging;

import java.io.IOException;

/**
 * JPEG marker walking (ITU T.81 Annex B): the probe reads segments up to the first frame header (SOFn) for the
 * size; {@link JpegStripper} shares {@link #nextMarker}. Stateless.
 */
final class JpegHeader {
    static final int SOI = 0xD8;
    static final int EOI = 0xD9;
    static final int SOS = 0xDA;
    static final int COM = 0xFE;
    static final int APP0 = 0xE0;
    static final int APP2 = 0xE2;
    static final int APP14 = 0xEE;

    /** Segments walked before the frame header; real files have a few dozen. */
    private static final int MAX_SEGMENTS = 10_000;
    /** Stray bytes (or fill 0xFF bytes) tolerated before one marker, as decoders do; beyond that the file is junk. */
    private static final int MAX_STRAY_BYTES = 4096;

    private JpegHeader() {}

    static ImageInfo probe(ByteReader r) throws IOException, UnsupportedImageException {
        r.seek(2);
        for (int segment = 0; segment < MAX_SEGMENTS; segment++) {
            int marker = nextMarker(r);
            if (marker == EOI || marker == SOS) {
                throw UnsupportedImageException.damaged(
                        "JPEG: marker 0x" + Integer.toHexString(marker) + " before any frame header");
            }
            if (isStandalone(marker)) {
                continue;
            }
            int length = r.u16be();
            if (length < 2) {
                throw UnsupportedImageException.damaged("JPEG: segment length " + length);
            }
            if (isStartOfFrame(marker)) {
                if (length < 8) {
                    throw UnsupportedImageException.damaged("JPEG: SOF length " + length);
                }
                r.u8(); // sample precision
                int height = r.u16be();
                int width = r.u16be();
                if (width == 0 || height == 0) {
                    // height 0 means "defined later by a DNL marker": we refuse rather than scan the entropy data
                    throw UnsupportedImageException.damaged("JPEG: frame size " + width + "x" + height);
                }
                return new ImageInfo(ImageFormat.JPEG, width, height, 1);
            }
            r.skip(length - 2L);
        }
        throw UnsupportedImageException.damaged("JPEG: no frame header in the first " + MAX_SEGMENTS + " segments");
    }

    /**
     * Reads the next marker code (the byte after 0xFF), skipping fill bytes and up to {@link #MAX_STRAY_BYTES} stray
     * bytes before it.
     */
    static int nextMarker(ByteReader r) throws IOException, UnsupportedImageException {
        int skipped = 0;
        int b = r.u8();
        while (b != 0xFF) {
            if (++skipped > MAX_STRAY_BYTES) {
                throw UnsupportedImageException.damaged("JPEG: no marker at " + r.position());
            }
            b = r.u8();
        }
        int marker = r.u8();
        while (marker == 0xFF) {
            if (++skipped > MAX_STRAY_BYTES) {
                throw UnsupportedImageException.damaged("JPEG: fill bytes without a marker at " + r.position());
            }
            marker = r.u8();
        }
        if (marker == 0x00) {
            throw UnsupportedImageException.damaged("JPEG: stuffed byte outside entropy-coded data at " + r.position());
        }
        return marker;
    }

    /** Markers without a length field: TEM, RST0–7, SOI, EOI. */
    static boolean isStandalone(int marker) {
        return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9);
    }

    /** SOF0–3, 5–7, 9–11, 13–15 (C4 is DHT, C8 is JPG, CC is DAC). */
    static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }
}
