package dev.tesela.imaging;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A minimal big-endian TIFF/EXIF writer for tests: IFD0 with optional Exif and GPS sub-IFDs, values of more than
 * four bytes stored after each IFD. Enough for metadata-extractor to read Orientation, dates, camera and GPS.
 */
final class Tiff {
    private static final int EXIF_POINTER = 0x8769;
    private static final int GPS_POINTER = 0x8825;

    record Entry(int tag, int type, int count, byte[] value) {}

    static final class Ifd {
        final List<Entry> entries = new ArrayList<>();

        Ifd ascii(int tag, String text) {
            byte[] bytes = Bytes.concat(Bytes.utf8(text), new byte[1]);
            entries.add(new Entry(tag, 2, bytes.length, bytes));
            return this;
        }

        Ifd shortValue(int tag, int value) {
            entries.add(new Entry(tag, 3, 1, Bytes.u16be(value)));
            return this;
        }

        Ifd longValue(int tag, long value) {
            entries.add(new Entry(tag, 4, 1, Bytes.u32be(value)));
            return this;
        }

        Ifd bytes(int tag, int type, byte[] value) {
            entries.add(new Entry(tag, type, value.length, value));
            return this;
        }

        /** RATIONAL values as numerator, denominator pairs. */
        Ifd rationals(int tag, long... numeratorsAndDenominators) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (long v : numeratorsAndDenominators) {
                out.writeBytes(Bytes.u32be(v));
            }
            entries.add(new Entry(tag, 5, numeratorsAndDenominators.length / 2, out.toByteArray()));
            return this;
        }

        int size() {
            int size = 2 + 12 * entries.size() + 4;
            for (Entry e : entries) {
                if (e.value().length > 4) {
                    size += e.value().length + (e.value().length & 1);
                }
            }
            return size;
        }

        void write(ByteArrayOutputStream out, int offset) {
            entries.sort(Comparator.comparingInt(Entry::tag));
            int data = offset + 2 + 12 * entries.size() + 4;
            ByteArrayOutputStream extra = new ByteArrayOutputStream();
            out.writeBytes(Bytes.u16be(entries.size()));
            for (Entry e : entries) {
                out.writeBytes(Bytes.u16be(e.tag()));
                out.writeBytes(Bytes.u16be(e.type()));
                out.writeBytes(Bytes.u32be(e.count()));
                if (e.value().length <= 4) {
                    out.writeBytes(e.value());
                    out.writeBytes(new byte[4 - e.value().length]);
                } else {
                    out.writeBytes(Bytes.u32be(data + extra.size()));
                    extra.writeBytes(e.value());
                    if ((e.value().length & 1) == 1) {
                        extra.write(0);
                    }
                }
            }
            out.writeBytes(Bytes.u32be(0)); // no next IFD
            out.writeBytes(extra.toByteArray());
        }
    }

    private Tiff() {}

    /** The TIFF bytes ("MM", 42, IFD0 at 8); {@code exif} and {@code gps} may be null. */
    static byte[] build(Ifd ifd0, Ifd exif, Ifd gps) {
        if (exif != null) {
            ifd0.longValue(EXIF_POINTER, 0);
        }
        if (gps != null) {
            ifd0.longValue(GPS_POINTER, 0);
        }
        int exifOffset = 8 + ifd0.size();
        int gpsOffset = exifOffset + (exif == null ? 0 : exif.size());
        ifd0.entries.replaceAll(e -> switch (e.tag()) {
            case EXIF_POINTER -> new Entry(EXIF_POINTER, 4, 1, Bytes.u32be(exifOffset));
            case GPS_POINTER -> new Entry(GPS_POINTER, 4, 1, Bytes.u32be(gpsOffset));
            default -> e;
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Bytes.u8('M', 'M', 0, 42, 0, 0, 0, 8));
        ifd0.write(out, 8);
        if (exif != null) {
            exif.write(out, exifOffset);
        }
        if (gps != null) {
            gps.write(out, gpsOffset);
        }
        return out.toByteArray();
    }

    /**
     * The EXIF used across the tests: Make, Model, Orientation {@code orientation}, ImageDescription, DateTimeOriginal
     * 2021-06-15 12:34:56, a body serial number and a maker note (both to be left out of the map), and a GPS IFD at
     * 48°51'24" N 2°21' E.
     */
    static byte[] sample(int orientation) {
        Ifd ifd0 = new Ifd()
                .ascii(0x010F, "TestCam")
                .ascii(0x0110, "TC-1")
                .shortValue(0x0112, orientation)
                .ascii(0x010E, "A lake at dawn");
        Ifd exif = new Ifd()
                .ascii(0x9003, "2021:06:15 12:34:56")
                .ascii(0xA431, "SN-0042")
                .bytes(0x927C, 7, new byte[100]);
        Ifd gps = new Ifd()
                .bytes(0x0000, 1, Bytes.u8(2, 3, 0, 0))
                .ascii(0x0001, "N")
                .rationals(0x0002, 48, 1, 51, 1, 2400, 100)
                .ascii(0x0003, "E")
                .rationals(0x0004, 2, 1, 21, 1, 0, 1);
        return build(ifd0, exif, gps);
    }
}
