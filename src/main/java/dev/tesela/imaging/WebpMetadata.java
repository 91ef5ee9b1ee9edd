package dev.tesela.imaging;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Removes the metadata chunks (EXIF, XMP, ICC profile) from a WebP file in place. libvips 8.14's webpsave writes a
 * fresh EXIF block (orientation, resolution) even when asked to strip, so {@link VipsProcessor} runs its WebP outputs
 * through this. Image chunks (VP8, VP8L, ALPH, ANIM, ANMF) are copied byte for byte; the VP8X flags lose the bits of
 * the removed chunks and the RIFF size is recomputed. A file without such chunks is not rewritten.
 */
final class WebpMetadata {
    private static final Set<String> METADATA_CHUNKS = Set.of("EXIF", "XMP ", "ICCP");
    private static final int VP8X_ICC = 0x20;
    private static final int VP8X_EXIF = 0x08;
    private static final int VP8X_XMP = 0x04;

    private WebpMetadata() {}

    /**
     * Strips {@code file} (a complete WebP written by us).
     *
     * @throws IOException when the file cannot be read or written, or is not a well-formed RIFF WebP
     */
    static void strip(Path file) throws IOException {
        byte[] in = Files.readAllBytes(file);
        if (in.length < 12 || !fourCc(in, 0).equals("RIFF") || !fourCc(in, 8).equals("WEBP")) {
            throw new IOException("not a RIFF WebP file: " + file);
        }
        ByteBuffer out = ByteBuffer.allocate(in.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(in, 0, 12);
        boolean removed = false;
        int vp8xFlagsAt = -1;
        int pos = 12;
        while (pos + 8 <= in.length) {
            String type = fourCc(in, pos);
            long size = ByteBuffer.wrap(in, pos + 4, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt()
                    & 0xFFFFFFFFL;
            long end = pos + 8 + size + (size & 1);
            if (end > in.length + (size & 1)) {
                throw new IOException("truncated WebP chunk " + type + " in " + file);
            }
            int chunkEnd = (int) Math.min(end, in.length);
            if (METADATA_CHUNKS.contains(type)) {
                removed = true;
            } else {
                if (type.equals("VP8X")) {
                    vp8xFlagsAt = out.position() + 8;
                }
                out.put(in, pos, chunkEnd - pos);
            }
            pos = chunkEnd;
        }
        if (!removed) {
            return;
        }
        if (vp8xFlagsAt >= 0) {
            out.put(vp8xFlagsAt, (byte) (out.get(vp8xFlagsAt) & ~(VP8X_ICC | VP8X_EXIF | VP8X_XMP)));
        }
        out.putInt(4, out.position() - 8);
        Files.write(file, Arrays.copyOf(out.array(), out.position()));
    }

    private static String fourCc(byte[] bytes, int at) {
        return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
    }
}
