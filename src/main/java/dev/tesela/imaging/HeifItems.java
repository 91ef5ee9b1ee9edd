package dev.tesela.imaging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The EXIF and XMP items of an AVIF or HEIC file (HEIF metadata items): {@code meta/iinf} gives each item's type
 * ({@code Exif}, or {@code mime} with content type {@code application/rdf+xml}), {@code meta/iloc} where its bytes
 * are (file offsets, or offsets into {@code meta/idat}). Reads at most {@link #MAX_ITEM_BYTES} per item and never
 * the image data. Stateless.
 */
final class HeifItems {
    /** Items larger than this are ignored (real EXIF is a few KiB, XMP tens of KiB). */
    static final int MAX_ITEM_BYTES = 1 << 20;

    private static final int META = PngHeader.fourCc("meta");
    private static final int IINF = PngHeader.fourCc("iinf");
    private static final int INFE = PngHeader.fourCc("infe");
    private static final int ILOC = PngHeader.fourCc("iloc");
    private static final int IDAT = PngHeader.fourCc("idat");
    private static final int EXIF = PngHeader.fourCc("Exif");
    private static final int MIME = PngHeader.fourCc("mime");
    private static final int MAX_BOXES = 100_000;
    private static final int MAX_EXTENTS = 1_000;

    /** The raw item payloads; either may be null. EXIF starts with the 4-byte offset to its TIFF header. */
    record Items(byte[] exif, byte[] xmp) {}

    private HeifItems() {}

    static Items read(ByteReader r) throws IOException, UnsupportedImageException {
        IsoBmffHeader.Box meta = null;
        long at = 0;
        for (int i = 0; i < 1_000 && at < r.size() && meta == null; i++) {
            IsoBmffHeader.Box box = IsoBmffHeader.readBox(r, at, r.size());
            meta = box.type() == META ? box : null;
            at = box.end();
        }
        if (meta == null) {
            return new Items(null, null);
        }
        IsoBmffHeader.Box iinf = IsoBmffHeader.child(r, meta, meta.dataStart() + 4, IINF);
        IsoBmffHeader.Box iloc = IsoBmffHeader.child(r, meta, meta.dataStart() + 4, ILOC);
        IsoBmffHeader.Box idat = IsoBmffHeader.child(r, meta, meta.dataStart() + 4, IDAT);
        if (iinf == null || iloc == null) {
            return new Items(null, null);
        }
        long[] ids = metadataItemIds(r, iinf);
        byte[] exif = ids[0] < 0 ? null : itemBytes(r, iloc, idat, ids[0]);
        byte[] xmp = ids[1] < 0 ? null : itemBytes(r, iloc, idat, ids[1]);
        return new Items(exif, xmp);
    }

    /** {first Exif item id, first XMP item id}, -1 where absent. */
    private static long[] metadataItemIds(ByteReader r, IsoBmffHeader.Box iinf)
            throws IOException, UnsupportedImageException {
        long[] ids = {-1, -1};
        r.seek(iinf.dataStart());
        int version = r.u8();
        r.skip(3 + (version == 0 ? 2 : 4));
        long at = r.position();
        for (int i = 0; i < MAX_BOXES && at < iinf.end(); i++) {
            IsoBmffHeader.Box infe = IsoBmffHeader.readBox(r, at, iinf.end());
            at = infe.end();
            if (infe.type() != INFE) {
                continue;
            }
            r.seek(infe.dataStart());
            int infeVersion = r.u8();
            r.skip(3);
            if (infeVersion < 2) {
                continue;
            }
            long id = infeVersion == 2 ? r.u16be() : r.u32be();
            r.skip(2); // item_protection_index
            int type = r.fourCc();
            if (type == EXIF && ids[0] < 0) {
                ids[0] = id;
            } else if (type == MIME && ids[1] < 0) {
                cString(r, infe.end()); // item_name
                if ("application/rdf+xml".equals(cString(r, infe.end()))) {
                    ids[1] = id;
                }
            }
        }
        return ids;
    }

    /** A NUL-terminated UTF-8 string of at most 255 bytes ending before {@code end} (shorter if cut there). */
    private static String cString(ByteReader r, long end) throws IOException, UnsupportedImageException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (r.position() < end && bytes.size() < 255) {
            int b = r.u8();
            if (b == 0) {
                break;
            }
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The bytes of item {@code id} (its extents concatenated), or null when absent, too large or not locatable. */
    private static byte[] itemBytes(ByteReader r, IsoBmffHeader.Box iloc, IsoBmffHeader.Box idat, long id)
            throws IOException, UnsupportedImageException {
        r.seek(iloc.dataStart());
        int version = r.u8();
        r.skip(3);
        int sizes = r.u16be();
        int offsetSize = sizes >>> 12;
        int lengthSize = (sizes >>> 8) & 0xF;
        int baseOffsetSize = (sizes >>> 4) & 0xF;
        int indexSize = version == 1 || version == 2 ? sizes & 0xF : 0;
        long count = version < 2 ? r.u16be() : r.u32be();
        for (long item = 0; item < count && r.position() < iloc.end(); item++) {
            long itemId = version < 2 ? r.u16be() : r.u32be();
            int method = version == 1 || version == 2 ? r.u16be() & 0xF : 0;
            r.skip(2); // data_reference_index
            long baseOffset = sized(r, baseOffsetSize);
            int extents = r.u16be();
            if (itemId != id) {
                r.skip((long) extents * (indexSize + offsetSize + lengthSize));
                continue;
            }
            if (extents > MAX_EXTENTS || (method == 1 && idat == null) || method > 1) {
                return null;
            }
            long[] offsets = new long[extents];
            long[] lengths = new long[extents];
            long total = 0;
            for (int e = 0; e < extents; e++) {
                sized(r, indexSize);
                offsets[e] = sized(r, offsetSize);
                lengths[e] = sized(r, lengthSize);
                total += lengths[e];
                if (lengths[e] < 0 || total > MAX_ITEM_BYTES) {
                    return null;
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
            for (int e = 0; e < extents; e++) {
                long start = method == 1 ? idat.dataStart() + baseOffset + offsets[e] : baseOffset + offsets[e];
                long limit = method == 1 ? idat.end() : r.size();
                if (start < 0 || lengths[e] > limit - start) {
                    return null;
                }
                r.seek(start);
                out.write(r.bytes((int) lengths[e]));
            }
            return out.toByteArray();
        }
        return null;
    }

    /** An unsigned big-endian integer of 0, 4 or 8 bytes (the sizes iloc allows). */
    private static long sized(ByteReader r, int size) throws IOException, UnsupportedImageException {
        return switch (size) {
            case 0 -> 0;
            case 4 -> r.u32be();
            case 8 -> r.u64be();
            default -> throw UnsupportedImageException.damaged("ISOBMFF: iloc field size " + size);
        };
    }
}
