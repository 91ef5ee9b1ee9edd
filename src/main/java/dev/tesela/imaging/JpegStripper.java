package dev.tesela.imaging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** JPEG part of {@link MetadataStripper}: a marker walk that copies kept segments and the entropy-coded data. */
final class JpegStripper {
    private static final byte[] JFIF = "JFIF\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ADOBE = "Adobe".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ICC_PROFILE = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);

    private JpegStripper() {}

    static void strip(ByteReader r, OutputStream out, boolean keepIcc) throws IOException, UnsupportedImageException {
        if (r.size() < 2 || r.u16be() != 0xFFD8) {
            throw UnsupportedImageException.notAnImage("JPEG: no SOI");
        }
        out.write(0xFF);
        out.write(JpegHeader.SOI);
        boolean sawFrame = false;
        boolean sawScan = false;
        int marker = JpegHeader.nextMarker(r);
        while (true) {
            if (marker == JpegHeader.EOI) {
                if (!sawScan) {
                    throw UnsupportedImageException.damaged("JPEG: EOI before any scan");
                }
                out.write(0xFF);
                out.write(JpegHeader.EOI);
                return;
            }
            if (JpegHeader.isStandalone(marker)) {
                out.write(0xFF);
                out.write(marker);
                marker = JpegHeader.nextMarker(r);
                continue;
            }
            int length = r.u16be();
            if (length < 2) {
                throw UnsupportedImageException.damaged("JPEG: segment length " + length);
            }
            sawFrame |= JpegHeader.isStartOfFrame(marker);
            if (marker == JpegHeader.SOS) {
                if (!sawFrame) {
                    throw UnsupportedImageException.damaged("JPEG: scan before any frame header");
                }
                copySegment(r, out, marker, length);
                marker = copyEntropyCodedData(r, out);
                sawScan = true;
                continue;
            }
            if (keep(r, marker, length, keepIcc)) {
                copySegment(r, out, marker, length);
            } else {
                r.skip(length - 2L);
            }
            marker = JpegHeader.nextMarker(r);
        }
    }

    private static boolean keep(ByteReader r, int marker, int length, boolean keepIcc)
            throws IOException, UnsupportedImageException {
        if (marker == JpegHeader.COM) {
            return false;
        }
        if (marker < JpegHeader.APP0 || marker > 0xEF) {
            return true; // tables, frame headers, restart intervals: image data
        }
        byte[] id = r.peek(Math.min(length - 2, ICC_PROFILE.length));
        return switch (marker) {
            case JpegHeader.APP0 -> startsWith(id, JFIF);
            case JpegHeader.APP14 -> startsWith(id, ADOBE);
            case JpegHeader.APP2 -> keepIcc && startsWith(id, ICC_PROFILE);
            default -> false;
        };
    }

    private static void copySegment(ByteReader r, OutputStream out, int marker, int length)
            throws IOException, UnsupportedImageException {
        out.write(0xFF);
        out.write(marker);
        MetadataStripper.writeU16be(out, length);
        r.copyTo(out, length - 2L);
    }

    /**
     * Copies entropy-coded data (with its stuffed 0xFF00 bytes and RSTn markers) up to the next other marker, and
     * returns that marker's code (EOI, or a table or SOS segment between progressive scans).
     */
    private static int copyEntropyCodedData(ByteReader r, OutputStream out)
            throws IOException, UnsupportedImageException {
        while (true) {
            if (!r.copyUntil(0xFF, out)) {
                throw UnsupportedImageException.damaged("JPEG: file ends inside a scan");
            }
            r.skip(1);
            int next = r.u8();
            while (next == 0xFF) { // fill bytes: meaningless, dropped
                next = r.u8();
            }
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                out.write(0xFF);
                out.write(next);
            } else {
                return next;
            }
        }
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }
}
