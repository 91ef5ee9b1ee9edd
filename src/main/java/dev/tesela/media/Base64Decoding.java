package dev.tesela.media;

import dev.tesela.platform.error.AppException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes base64 text while it is read, so an upload sent as base64 is never held in memory whole (the text may be
 * a spilled temp file of hundreds of MB). Accepts only canonical standard base64: whitespace anywhere is skipped,
 * padding is required (the text without whitespace is a multiple of 4 characters), nothing may follow the padding,
 * and the bits a padded quantum leaves unused must be zero. Anything else, a {@code data:} URI included, makes
 * {@link #read} throw {@link AppException} (INVALID_INPUT, field {@code source}); empty text likewise.
 * Not thread-safe; closing it closes the text.
 */
final class Base64Decoding extends InputStream {
    private static final int[] VALUES = new int[128];

    static {
        java.util.Arrays.fill(VALUES, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = i;
        }
    }

    private final InputStream text;
    private final byte[] in = new byte[16 * 1024];
    private final byte[] out = new byte[in.length / 4 * 3 + 3];
    private int outPos;
    private int outLen;
    /** Bits of the quantum being read and how many sextets it holds (0-3). */
    private int bits;

    private int sextets;
    /** '=' characters of the final quantum seen so far. */
    private int padding;
    /** True once the final (padded) quantum is complete: only whitespace may follow. */
    private boolean closedByPadding;

    private boolean sawAny;
    private boolean atEnd;

    Base64Decoding(InputStream text) {
        this.text = text;
    }

    /**
     * Decodes canonical base64 (whitespace skipped) as a stream of this class does; refuses with PAYLOAD_TOO_LARGE
     * beyond {@code maxBytes} decoded bytes. For short texts; uploads decode while streaming into the receiver.
     */
    static byte[] decode(String text, long maxBytes) {
        try (InputStream in = new Base64Decoding(
                new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw Receiver.tooLarge(maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (outPos == outLen) {
            if (atEnd) {
                return -1;
            }
            decodeNextChunk();
        }
        int n = Math.min(len, outLen - outPos);
        System.arraycopy(out, outPos, b, off, n);
        outPos += n;
        return n;
    }

    /** Reads one chunk of text and decodes it into {@link #out}; at the end of the text, checks the last quantum. */
    private void decodeNextChunk() throws IOException {
        outPos = 0;
        outLen = 0;
        int n = text.read(in);
        if (n < 0) {
            atEnd = true;
            if (!sawAny) {
                throw AppException.invalid("source", "The source is empty.");
            }
            if (sextets != 0 || (padding > 0 && !closedByPadding)) {
                throw notBase64();
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            int c = in[i] & 0xff;
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0x0b) {
                continue;
            }
            sawAny = true;
            if (closedByPadding) {
                throw notBase64();
            }
            if (c == '=') {
                padding++;
                if (sextets < 2 || sextets + padding > 4) {
                    throw notBase64();
                }
                if (sextets + padding == 4) {
                    finishPadded();
                }
                continue;
            }
            int v = c < 128 ? VALUES[c] : -1;
            if (v < 0 || padding > 0) {
                throw notBase64();
            }
            bits = bits << 6 | v;
            if (++sextets == 4) {
                out[outLen++] = (byte) (bits >> 16);
                out[outLen++] = (byte) (bits >> 8);
                out[outLen++] = (byte) bits;
                bits = 0;
                sextets = 0;
            }
        }
    }

    /** The final quantum: 2 sextets + "==" give one byte, 3 + "=" two; the leftover bits must be zero. */
    private void finishPadded() {
        if (sextets == 2) {
            if ((bits & 0xf) != 0) {
                throw notCanonical();
            }
            out[outLen++] = (byte) (bits >> 4);
        } else {
            if ((bits & 0x3) != 0) {
                throw notCanonical();
            }
            out[outLen++] = (byte) (bits >> 10);
            out[outLen++] = (byte) (bits >> 2);
        }
        bits = 0;
        sextets = 0;
        closedByPadding = true;
    }

    private static AppException notBase64() {
        return AppException.invalid("source", "The source is neither a file, a URL nor valid base64 data.");
    }

    private static AppException notCanonical() {
        return AppException.invalid("source", "The base64 data is not canonical.");
    }

    @Override
    public void close() throws IOException {
        text.close();
    }
}
