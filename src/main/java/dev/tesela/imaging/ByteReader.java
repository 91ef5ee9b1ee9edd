package dev.tesela.imaging;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A seekable, buffered reader of a file's bytes for the header parsers. Reads through an 8 KiB window, so a parser
 * that seeks over large chunks or boxes reads only the bytes it looks at (plus at most one window each time).
 *
 * <p>Every read past the end of the file throws {@link UnsupportedImageException} with reason DAMAGED: for a header
 * parser, running out of bytes means a truncated file. {@link #seek} and {@link #skip} never fail by themselves;
 * positions beyond the end are allowed and fail on the next read. Not thread-safe; one instance per parse. Does not
 * own the channel.
 */
final class ByteReader {
    private static final int WINDOW = 8192;

    private final FileChannel channel;
    private final long size;
    private final byte[] window = new byte[WINDOW];
    private final ByteBuffer windowBuffer = ByteBuffer.wrap(window);
    private long windowStart;
    private int windowLength;
    private long position;

    ByteReader(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
    }

    /** File size in bytes, as read when this reader was made. */
    long size() {
        return size;
    }

    long position() {
        return position;
    }

    /** Bytes left from the position to the end of the file (0 when the position is beyond it). */
    long remaining() {
        return Math.max(0, size - position);
    }

    void seek(long newPosition) {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
    }

    /** Moves forward by {@code n} bytes (saturating: a huge {@code n} just puts the position past the end). */
    void skip(long n) throws UnsupportedImageException {
        if (n < 0) {
            throw UnsupportedImageException.damaged("negative length " + n + " at " + position);
        }
        position = n > Long.MAX_VALUE - position ? Long.MAX_VALUE : position + n;
    }

    int u8() throws IOException, UnsupportedImageException {
        int i = fill(1);
        position++;
        return window[i] & 0xFF;
    }

    int u16be() throws IOException, UnsupportedImageException {
        int i = fill(2);
        position += 2;
        return (window[i] & 0xFF) << 8 | window[i + 1] & 0xFF;
    }

    int u16le() throws IOException, UnsupportedImageException {
        int i = fill(2);
        position += 2;
        return (window[i + 1] & 0xFF) << 8 | window[i] & 0xFF;
    }

    int u24le() throws IOException, UnsupportedImageException {
        int i = fill(3);
        position += 3;
        return (window[i + 2] & 0xFF) << 16 | (window[i + 1] & 0xFF) << 8 | window[i] & 0xFF;
    }

    long u32be() throws IOException, UnsupportedImageException {
        return ((long) u16be() << 16) | u16be();
    }

    long u32le() throws IOException, UnsupportedImageException {
        return u16le() | ((long) u16le() << 16);
    }

    /** A four-character code (PNG chunk type, RIFF FourCC, ISOBMFF box type) as a big-endian int. */
    int fourCc() throws IOException, UnsupportedImageException {
        return (int) u32be();
    }

    long u64be() throws IOException, UnsupportedImageException {
        return u32be() << 32 | u32be();
    }

    /** Reads exactly {@code n} bytes (callers keep {@code n} small: it is allocated at once). */
    byte[] bytes(int n) throws IOException, UnsupportedImageException {
        if (n < 0 || n > remaining()) {
            throw UnsupportedImageException.damaged("wanted " + n + " bytes at " + position + " of " + size);
        }
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            int chunk = Math.min(WINDOW, n - done);
            int i = fill(chunk);
            System.arraycopy(window, i, out, done, chunk);
            position += chunk;
            done += chunk;
        }
        return out;
    }

    /** Up to {@code n} bytes from the position (fewer at the end of the file); does not move the position. */
    byte[] peek(int n) throws IOException, UnsupportedImageException {
        long saved = position;
        byte[] out = bytes((int) Math.min(n, remaining()));
        position = saved;
        return out;
    }

    /** Copies exactly {@code n} bytes from the position to {@code out}. */
    void copyTo(OutputStream out, long n) throws IOException, UnsupportedImageException {
        if (n < 0 || n > remaining()) {
            throw UnsupportedImageException.damaged("wanted " + n + " bytes at " + position + " of " + size);
        }
        long left = n;
        while (left > 0) {
            int chunk = (int) Math.min(WINDOW, left);
            int i = fill(chunk);
            out.write(window, i, chunk);
            position += chunk;
            left -= chunk;
        }
    }

    /**
     * Copies bytes to {@code out} up to (not including) the next byte equal to {@code stop}, leaving the position on
     * it. Returns false when the end of the file came first (everything up to it copied).
     */
    boolean copyUntil(int stop, OutputStream out) throws IOException, UnsupportedImageException {
        byte b = (byte) stop;
        while (remaining() > 0) {
            int chunk = (int) Math.min(WINDOW, remaining());
            int start = fill(chunk);
            int end = start + chunk;
            for (int i = start; i < end; i++) {
                if (window[i] == b) {
                    out.write(window, start, i - start);
                    position += i - start;
                    return true;
                }
            }
            out.write(window, start, chunk);
            position += chunk;
        }
        return false;
    }

    /** Makes {@code n} (&le; WINDOW) bytes at the position available in the window; returns their index. */
    private int fill(int n) throws IOException, UnsupportedImageException {
        if (position >= windowStart && position + n <= windowStart + windowLength) {
            return (int) (position - windowStart);
        }
        if (n > remaining()) {
            throw UnsupportedImageException.damaged("unexpected end of file at " + position + " of " + size);
        }
        windowStart = position;
        windowLength = 0;
        windowBuffer.clear();
        while (windowBuffer.hasRemaining()) {
            int read = channel.read(windowBuffer, windowStart + windowBuffer.position());
            if (read <= 0) {
                break;
            }
        }
        windowLength = windowBuffer.position();
        if (windowLength < n) {
            throw UnsupportedImageException.damaged("file shrank while reading at " + position);
        }
        return 0;
    }
}
