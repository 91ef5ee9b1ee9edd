package dev.tesela.imaging;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Magic bytes of the supported formats. Pure functions over a byte array; thread-safe. */
final class Magic {
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] GIF87 = ascii("GIF87a");
    private static final byte[] GIF89 = ascii("GIF89a");
    private static final byte[] RIFF = ascii("RIFF");
    private static final byte[] WEBP = ascii("WEBP");
    private static final byte[] FTYP = ascii("ftyp");

    /** BMP DIB header sizes we read: CORE (12), OS/2 v2 (16, 64), INFO (40), V2 (52), V3 (56), V4 (108), V5 (124). */
    private static final int[] BMP_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124};
    /** Bytes a BMP needs for {@link #sniff} to trust "BM": file header (14) + DIB header size (4). */
    private static final int BMP_SNIFF_BYTES = 18;

    private Magic() {}

    static Optional<ImageFormat> sniff(byte[] head) {
        if (startsWith(head, 0, JPEG)) {
            return Optional.of(ImageFormat.JPEG);
        }
        if (startsWith(head, 0, PNG)) {
            return Optional.of(ImageFormat.PNG);
        }
        if (startsWith(head, 0, GIF87) || startsWith(head, 0, GIF89)) {
            return Optional.of(ImageFormat.GIF);
        }
        if (startsWith(head, 0, RIFF) && startsWith(head, 8, WEBP)) {
            return Optional.of(ImageFormat.WEBP);
        }
        if (head.length >= BMP_SNIFF_BYTES && head[0] == 'B' && head[1] == 'M') {
            long dibSize =
                    (head[14] & 0xFFL) | (head[15] & 0xFFL) << 8 | (head[16] & 0xFFL) << 16 | (head[17] & 0xFFL) << 24;
            return Arrays.stream(BMP_HEADER_SIZES).anyMatch(s -> s == dibSize)
                    ? Optional.of(ImageFormat.BMP)
                    : Optional.empty();
        }
        if (startsWith(head, 4, FTYP)) {
            return brandFormat(head);
        }
        return Optional.empty();
    }

    /**
     * Whether a file that {@link #sniff} did not recognise ends inside what could be a supported signature: then
     * the file is a truncated image (DAMAGED) rather than something else (NOT_AN_IMAGE).
     */
    static boolean truncatedSignature(byte[] head) {
        int n = head.length;
        if (n == 0) {
            return false;
        }
        return isPrefix(head, JPEG)
                || isPrefix(head, PNG)
                || isPrefix(head, GIF87)
                || isPrefix(head, GIF89)
                || (n < 12
                        && (isPrefix(head, RIFF)
                                || (startsWith(head, 0, RIFF) && (n <= 8 || isPrefixAt(head, 8, WEBP)))))
                || (n < BMP_SNIFF_BYTES && head[0] == 'B' && (n == 1 || head[1] == 'M'))
                || (n > 4 && n < 12 && isPrefixAt(head, 4, FTYP));
    }

    /** AVIF or HEIC from the brands of the {@code ftyp} box at the start of {@code head}, as far as head holds it. */
    private static Optional<ImageFormat> brandFormat(byte[] head) {
        long boxSize = (head[0] & 0xFFL) << 24 | (head[1] & 0xFFL) << 16 | (head[2] & 0xFFL) << 8 | head[3] & 0xFFL;
        if (boxSize < 16 || head.length < 12) {
            return Optional.empty();
        }
        int end = (int) Math.min(boxSize, head.length);
        boolean heic = false;
        boolean generic = false;
        // major brand at 8, minor version at 12, compatible brands from 16
        for (int i = 8; i + 4 <= end; i = i == 8 ? 16 : i + 4) {
            switch (new String(head, i, 4, StandardCharsets.ISO_8859_1)) {
                case "avif", "avis" -> {
                    return Optional.of(ImageFormat.AVIF);
                }
                case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs" -> heic = true;
                case "mif1", "mif2", "msf1" -> generic = true;
                default -> {}
            }
        }
        return heic || generic ? Optional.of(ImageFormat.HEIC) : Optional.empty();
    }

    private static boolean startsWith(byte[] data, int offset, byte[] prefix) {
        return data.length >= offset + prefix.length
                && Arrays.equals(data, offset, offset + prefix.length, prefix, 0, prefix.length);
    }

    /** Whether data[offset..] (all of it, possibly shorter than {@code magic}) matches the start of {@code magic}. */
    private static boolean isPrefixAt(byte[] data, int offset, byte[] magic) {
        int n = Math.min(data.length - offset, magic.length);
        return n > 0 && Arrays.equals(data, offset, offset + n, magic, 0, n);
    }

    private static boolean isPrefix(byte[] data, byte[] magic) {
        return data.length < magic.length && isPrefixAt(data, 0, magic);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
