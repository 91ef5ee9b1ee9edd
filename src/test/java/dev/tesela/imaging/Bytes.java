package dev.tesela.imaging;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Hand-built file structures for the imaging tests: PNG chunks, RIFF chunks, ISOBMFF boxes, JPEG segments. */
final class Bytes {
    private Bytes() {}

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] u8(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] u16be(int v) {
        return u8(v >>> 8, v);
    }

    static byte[] u16le(int v) {
        return u8(v, v >>> 8);
    }

    static byte[] u24le(int v) {
        return u8(v, v >>> 8, v >>> 16);
    }

    static byte[] u32be(long v) {
        return u8((int) (v >>> 24), (int) (v >>> 16), (int) (v >>> 8), (int) v);
    }

    static byte[] u32le(long v) {
        return u8((int) v, (int) (v >>> 8), (int) (v >>> 16), (int) (v >>> 24));
    }

    static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ---- PNG

    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static byte[] pngChunk(String type, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(ascii(type));
        crc.update(data);
        return concat(u32be(data.length), ascii(type), data, u32be(crc.getValue()));
    }

    static byte[] ihdr(long width, long height) {
        return pngChunk("IHDR", concat(u32be(width), u32be(height), u8(8, 2, 0, 0, 0)));
    }

    static byte[] png(byte[]... chunks) {
        return concat(PNG_SIGNATURE, concat(chunks));
    }

    /** Inserts {@code chunks} right after IHDR of a real PNG. */
    static byte[] pngWithChunksAfterIhdr(byte[] png, byte[]... chunks) {
        int afterIhdr = 8 + 8 + 13 + 4;
        return concat(
                java.util.Arrays.copyOfRange(png, 0, afterIhdr),
                concat(chunks),
                java.util.Arrays.copyOfRange(png, afterIhdr, png.length));
    }

    // ---- RIFF / WebP

    static byte[] riffChunk(String fourCc, byte[] data) {
        byte[] pad = (data.length & 1) == 1 ? new byte[1] : new byte[0];
        return concat(ascii(fourCc), u32le(data.length), data, pad);
    }

    static byte[] webp(byte[]... chunks) {
        byte[] body = concat(chunks);
        return concat(ascii("RIFF"), u32le(4 + body.length), ascii("WEBP"), body);
    }

    /** VP8X payload: flags, 3 reserved bytes, canvas width − 1 and height − 1 as 24-bit little-endian. */
    static byte[] vp8x(int flags, int width, int height) {
        return riffChunk("VP8X", concat(u8(flags, 0, 0, 0), u24le(width - 1), u24le(height - 1)));
    }

    /** A VP8L header (signature 0x2F, 14-bit sizes minus one) followed by a few junk bytes. */
    static byte[] vp8l(int width, int height) {
        long bits = (width - 1) | ((long) (height - 1) << 14) | (1L << 28);
        return riffChunk("VP8L", concat(u8(0x2F), u32le(bits), u8(1, 2, 3, 4, 5, 6, 7)));
    }

    // ---- ISOBMFF

    static byte[] box(String type, byte[]... payload) {
        byte[] body = concat(payload);
        return concat(u32be(8 + body.length), ascii(type), body);
    }

    static byte[] fullBox(String type, int version, int flags, byte[]... payload) {
        return box(type, concat(u8(version, flags >>> 16, flags >>> 8, flags), concat(payload)));
    }

    static byte[] ftyp(String major, String... compatible) {
        byte[] brands = new byte[0];
        for (String c : compatible) {
            brands = concat(brands, ascii(c));
        }
        return box("ftyp", ascii(major), u32be(0), brands);
    }

    static byte[] ispe(long width, long height) {
        return fullBox("ispe", 0, 0, u32be(width), u32be(height));
    }

    /** infe version 2: item id (16 bit), protection index, type, empty name. */
    static byte[] infe(int id, String type) {
        return fullBox("infe", 2, 0, u16be(id), u16be(0), ascii(type), u8(0));
    }

    static byte[] iinf(byte[]... entries) {
        return fullBox("iinf", 0, 0, u16be(entries.length), concat(entries));
    }

    static byte[] pitm(int id) {
        return fullBox("pitm", 0, 0, u16be(id));
    }

    /** ipma version 0, flags 0: each association is {item id, property index, property index, ...} (7-bit indices). */
    static byte[] ipma(int[]... associations) {
        byte[] entries = new byte[0];
        for (int[] a : associations) {
            entries = concat(entries, u16be(a[0]), u8(a.length - 1));
            for (int i = 1; i < a.length; i++) {
                entries = concat(entries, u8(0x80 | a[i]));
            }
        }
        return fullBox("ipma", 0, 0, u32be(associations.length), entries);
    }

    // ---- JPEG

    static byte[] segment(int marker, byte[] payload) {
        return concat(u8(0xFF, marker), u16be(payload.length + 2), payload);
    }

    /** Inserts {@code segments} after SOI and, when present, the APP0 segment that follows it. */
    static byte[] jpegWithSegments(byte[] jpeg, byte[]... segments) {
        int at = 2;
        if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
            at = 4 + ((jpeg[4] & 0xFF) << 8 | jpeg[5] & 0xFF);
        }
        return concat(
                java.util.Arrays.copyOfRange(jpeg, 0, at),
                concat(segments),
                java.util.Arrays.copyOfRange(jpeg, at, jpeg.length));
    }
}
