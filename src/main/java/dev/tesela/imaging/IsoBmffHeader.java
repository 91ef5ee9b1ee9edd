package dev.tesela.imaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * AVIF and HEIC (HEIF, an ISOBMFF file of boxes). The format comes from the {@code ftyp} brands (see
 * {@link ImageProbe#sniff}); for the generic HEIF brands alone, from the primary item's type ({@code av01} → AVIF,
 * anything else → HEIC).
 *
 * <p>The size is the primary item's: {@code meta/pitm} names it, {@code meta/iprp/ipma} lists its properties as
 * indices into {@code meta/iprp/ipco}, and the first of those that is an {@code ispe} gives width × height (for a
 * HEIC grid the grid item's own {@code ispe}, i.e. the full picture). When the primary item has no associated
 * {@code ispe} (invalid HEIF, seen in the wild) the largest {@code ispe} in {@code ipco} is taken. The size is as
 * stored: {@code irot}/{@code clap} transforms are not applied (a 90° {@code irot} swaps what a viewer shows).
 *
 * <p>Frames: an AVIF image sequence (brand {@code avis}) counts the samples of its first picture track
 * ({@code moov/trak} whose handler is {@code pict} or {@code vide}, sample count from {@code stsz}/{@code stz2});
 * such a file without a {@code meta} takes its size from the track's first visual sample entry. HEIC is always one
 * frame (engines show the primary item). Box walks are bounded per container. Stateless.
 */
final class IsoBmffHeader {
    private static final int FTYP = PngHeader.fourCc("ftyp");
    private static final int META = PngHeader.fourCc("meta");
    private static final int MOOV = PngHeader.fourCc("moov");
    private static final int UUID = PngHeader.fourCc("uuid");
    private static final int PITM = PngHeader.fourCc("pitm");
    private static final int IINF = PngHeader.fourCc("iinf");
    private static final int INFE = PngHeader.fourCc("infe");
    private static final int IPRP = PngHeader.fourCc("iprp");
    private static final int IPCO = PngHeader.fourCc("ipco");
    private static final int IPMA = PngHeader.fourCc("ipma");
    private static final int ISPE = PngHeader.fourCc("ispe");
    private static final int TRAK = PngHeader.fourCc("trak");
    private static final int MDIA = PngHeader.fourCc("mdia");
    private static final int HDLR = PngHeader.fourCc("hdlr");
    private static final int MINF = PngHeader.fourCc("minf");
    private static final int STBL = PngHeader.fourCc("stbl");
    private static final int STSZ = PngHeader.fourCc("stsz");
    private static final int STZ2 = PngHeader.fourCc("stz2");
    private static final int STSD = PngHeader.fourCc("stsd");
    private static final int PICT = PngHeader.fourCc("pict");
    private static final int VIDE = PngHeader.fourCc("vide");
    private static final int AV01 = PngHeader.fourCc("av01");

    private static final Set<String> HEIC_BRANDS =
            Set.of("heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs");

    private static final int MAX_TOP_LEVEL_BOXES = 1_000;
    private static final int MAX_CHILDREN = 100_000;
    private static final int MAX_BRANDS = 256;
    private static final long MAX_IPMA_ENTRIES = 1_000_000;

    /** A box: its type, where it starts, where its payload starts (after size, type, largesize, uuid) and ends. */
    record Box(int type, long start, long dataStart, long end) {}

    private record Primary(int itemType, long width, long height) {}

    private record Track(long samples, int width, int height) {}

    private IsoBmffHeader() {}

    static ImageInfo probe(ByteReader r) throws IOException, UnsupportedImageException {
        long fileSize = r.size();
        Box ftyp = readBox(r, 0, fileSize);
        if (ftyp.type() != FTYP) {
            throw UnsupportedImageException.notAnImage("ISOBMFF: first box is not ftyp");
        }
        Set<String> brands = brands(r, ftyp);
        boolean avif = brands.contains("avif") || brands.contains("avis");
        boolean heic = !avif && brands.stream().anyMatch(HEIC_BRANDS::contains);
        boolean sequence = brands.contains("avis");

        Box meta = null;
        Box moov = null;
        long at = ftyp.end();
        for (int i = 0; i < MAX_TOP_LEVEL_BOXES && at < fileSize; i++) {
            Box box;
            try {
                box = readBox(r, at, fileSize);
            } catch (UnsupportedImageException e) {
                if (meta == null) {
                    throw e;
                }
                break; // a truncated mdat after a complete meta: the header is all there
            }
            if (box.type() == META && meta == null) {
                meta = box;
            } else if (box.type() == MOOV && moov == null) {
                moov = box;
            }
            if (meta != null && (moov != null || !sequence)) {
                break;
            }
            at = box.end();
        }
        Primary primary = meta == null ? null : primary(r, meta);
        Track track = moov != null && (sequence || primary == null || primary.width() == 0) ? track(r, moov) : null;

        ImageFormat format =
                avif || (!heic && primary != null && primary.itemType() == AV01) ? ImageFormat.AVIF : ImageFormat.HEIC;
        long width;
        long height;
        if (primary != null && primary.width() > 0) {
            width = primary.width();
            height = primary.height();
        } else if (track != null) {
            width = track.width();
            height = track.height();
        } else {
            throw UnsupportedImageException.damaged("ISOBMFF: no ispe property and no picture track");
        }
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw UnsupportedImageException.damaged("ISOBMFF: size " + width + "x" + height);
        }
        int frames = format == ImageFormat.AVIF && sequence && track != null
                ? (int) Math.clamp(track.samples(), 1, ImageProbe.MAX_FRAMES)
                : 1;
        return new ImageInfo(format, (int) width, (int) height, frames);
    }

    /**
     * Reads the box header at {@code at}; the box must end by {@code limit} (its container's end or the file's).
     * Size 0 means "to the end of the container".
     */
    static Box readBox(ByteReader r, long at, long limit) throws IOException, UnsupportedImageException {
        r.seek(at);
        long size = r.u32be();
        int type = r.fourCc();
        long header = 8;
        if (size == 1) {
            size = r.u64be();
            header = 16;
        } else if (size == 0) {
            size = limit - at;
        }
        if (type == UUID) {
            header += 16;
        }
        if (size < header || size > limit - at) {
            throw UnsupportedImageException.damaged(
                    "ISOBMFF: box '" + name(type) + "' of " + size + " bytes at " + at + " (limit " + limit + ")");
        }
        return new Box(type, at, at + header, at + size);
    }

    /** The first child of {@code type} among the boxes from {@code from} to {@code parent}'s end, or null. */
    static Box child(ByteReader r, Box parent, long from, int type) throws IOException, UnsupportedImageException {
        long at = from;
        for (int i = 0; i < MAX_CHILDREN && at < parent.end(); i++) {
            Box box = readBox(r, at, parent.end());
            if (box.type() == type) {
                return box;
            }
            at = box.end();
        }
        return null;
    }

    private static Set<String> brands(ByteReader r, Box ftyp) throws IOException, UnsupportedImageException {
        Set<String> brands = new HashSet<>();
        r.seek(ftyp.dataStart());
        brands.add(name(r.fourCc()));
        r.skip(4); // minor version
        for (int i = 0; i < MAX_BRANDS && r.position() + 4 <= ftyp.end(); i++) {
            brands.add(name(r.fourCc()));
        }
        return brands;
    }

    /** The primary item's type and ispe size (0 × 0 when it has none and ipco has no ispe at all). */
    private static Primary primary(ByteReader r, Box meta) throws IOException, UnsupportedImageException {
        long primaryId = -1;
        Box iinf = null;
        Box iprp = null;
        long at = meta.dataStart() + 4; // FullBox: version, flags
        for (int i = 0; i < MAX_CHILDREN && at < meta.end(); i++) {
            Box box = readBox(r, at, meta.end());
            if (box.type() == PITM) {
                r.seek(box.dataStart());
                int version = r.u8();
                r.skip(3);
                primaryId = version == 0 ? r.u16be() : r.u32be();
            } else if (box.type() == IINF && iinf == null) {
                iinf = box;
            } else if (box.type() == IPRP && iprp == null) {
                iprp = box;
            }
            at = box.end();
        }
        int itemType = iinf != null && primaryId >= 0 ? itemType(r, iinf, primaryId) : 0;
        long[] size = iprp != null ? spatialExtent(r, iprp, primaryId) : null;
        return size == null ? new Primary(itemType, 0, 0) : new Primary(itemType, size[0], size[1]);
    }

    /** The item_type of item {@code id} from its {@code infe} (version 2 or 3), or 0. */
    private static int itemType(ByteReader r, Box iinf, long id) throws IOException, UnsupportedImageException {
        r.seek(iinf.dataStart());
        int version = r.u8();
        r.skip(3 + (version == 0 ? 2 : 4)); // flags, entry_count
        long at = r.position();
        for (int i = 0; i < MAX_CHILDREN && at < iinf.end(); i++) {
            Box box = readBox(r, at, iinf.end());
            if (box.type() == INFE) {
                r.seek(box.dataStart());
                int infeVersion = r.u8();
                r.skip(3);
                if (infeVersion >= 2) {
                    long itemId = infeVersion == 2 ? r.u16be() : r.u32be();
                    r.skip(2); // item_protection_index
                    int type = r.fourCc();
                    if (itemId == id) {
                        return type;
                    }
                }
            }
            at = box.end();
        }
        return 0;
    }

    /**
     * Width and height from the first {@code ispe} associated with item {@code id}; failing that the largest
     * {@code ispe} in {@code ipco}; null when there is none.
     */
    private static long[] spatialExtent(ByteReader r, Box iprp, long id) throws IOException, UnsupportedImageException {
        Map<Integer, long[]> extents = new HashMap<>(); // ipco property index (1-based) → {width, height}
        long[] largest = null;
        Box ipco = child(r, iprp, iprp.dataStart(), IPCO);
        if (ipco != null) {
            long at = ipco.dataStart();
            for (int index = 1; index <= MAX_CHILDREN && at < ipco.end(); index++) {
                Box box = readBox(r, at, ipco.end());
                if (box.type() == ISPE) {
                    r.seek(box.dataStart() + 4); // FullBox
                    long[] extent = {r.u32be(), r.u32be()};
                    extents.put(index, extent);
                    if (largest == null || (double) extent[0] * extent[1] > (double) largest[0] * largest[1]) {
                        largest = extent;
                    }
                }
                at = box.end();
            }
        }
        if (extents.isEmpty()) {
            return null;
        }
        long at = iprp.dataStart();
        for (int i = 0; i < MAX_CHILDREN && at < iprp.end() && id >= 0; i++) {
            Box box = readBox(r, at, iprp.end());
            if (box.type() == IPMA) {
                long[] found = associatedExtent(r, box, id, extents);
                if (found != null) {
                    return found;
                }
            }
            at = box.end();
        }
        return largest;
    }

    private static long[] associatedExtent(ByteReader r, Box ipma, long id, Map<Integer, long[]> extents)
            throws IOException, UnsupportedImageException {
        r.seek(ipma.dataStart());
        int version = r.u8();
        int flags = r.u8() << 16 | r.u16be();
        long entries = r.u32be();
        if (entries > MAX_IPMA_ENTRIES) {
            throw UnsupportedImageException.damaged("ISOBMFF: ipma with " + entries + " entries");
        }
        boolean wideIndex = (flags & 1) != 0;
        for (long e = 0; e < entries && r.position() < ipma.end(); e++) {
            long itemId = version < 1 ? r.u16be() : r.u32be();
            int count = r.u8();
            if (itemId != id) {
                r.skip((long) count * (wideIndex ? 2 : 1));
                continue;
            }
            for (int a = 0; a < count; a++) {
                int index = wideIndex ? r.u16be() & 0x7FFF : r.u8() & 0x7F; // top bit: "essential"
                long[] extent = extents.get(index);
                if (extent != null) {
                    return extent;
                }
            }
            return null;
        }
        return null;
    }

    private static Track track(ByteReader r, Box moov) throws IOException, UnsupportedImageException {
        long at = moov.dataStart();
        for (int i = 0; i < MAX_CHILDREN && at < moov.end(); i++) {
            Box trak = readBox(r, at, moov.end());
            at = trak.end();
            if (trak.type() != TRAK) {
                continue;
            }
            Box mdia = child(r, trak, trak.dataStart(), MDIA);
            Box hdlr = mdia == null ? null : child(r, mdia, mdia.dataStart(), HDLR);
            if (hdlr == null) {
                continue;
            }
            r.seek(hdlr.dataStart() + 8); // FullBox, pre_defined
            int handler = r.fourCc();
            Box minf = handler == PICT || handler == VIDE ? child(r, mdia, mdia.dataStart(), MINF) : null;
            Box stbl = minf == null ? null : child(r, minf, minf.dataStart(), STBL);
            if (stbl == null) {
                continue;
            }
            long samples = 1;
            Box stsz = child(r, stbl, stbl.dataStart(), STSZ);
            Box sizes = stsz != null ? stsz : child(r, stbl, stbl.dataStart(), STZ2);
            if (sizes != null) {
                r.seek(sizes.dataStart() + 8); // FullBox; sample_size (stsz) or reserved + field_size (stz2)
                samples = r.u32be();
            }
            int width = 0;
            int height = 0;
            Box stsd = child(r, stbl, stbl.dataStart(), STSD);
            if (stsd != null && stsd.end() - stsd.dataStart() > 8) {
                Box entry = readBox(r, stsd.dataStart() + 8, stsd.end()); // FullBox, entry_count
                if (entry.end() - entry.dataStart() >= 28) {
                    r.seek(entry.dataStart() + 24); // VisualSampleEntry: reserved, data_reference_index, pre_defined...
                    width = r.u16be();
                    height = r.u16be();
                }
            }
            return new Track(samples, width, height);
        }
        return null;
    }

    static String name(int fourCc) {
        byte[] b = {(byte) (fourCc >>> 24), (byte) (fourCc >>> 16), (byte) (fourCc >>> 8), (byte) fourCc};
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
