package dev.tesela.imaging;

import java.io.IOException;

/**
 * GIF block walking (GIF89a spec): size from the logical screen descriptor (or the first image descriptor when the
 * screen is 0 wide or high), grown to contain every frame that reaches past it; frames = image descriptors. An
 * extension longer than {@link #MAX_EXTENSION_SUB_BLOCKS} sub-blocks makes the file DAMAGED. Walking the blocks reads the whole file once (sub-blocks
 * are skipped, not decoded). A file cut short after at least one complete image descriptor counts the frames seen,
 * like browsers show what arrived; trailing junk after a frame is ignored the same way. Stateless.
 */
final class GifHeader {
    private static final int IMAGE = 0x2C;
    private static final int EXTENSION = 0x21;
    private static final int TRAILER = 0x3B;
    /** Data sub-blocks walked in all; at 255 bytes each this is ~2.5 GB, far beyond any upload limit. */
    private static final long MAX_SUB_BLOCKS = 10_000_000;
    /**
     * Data sub-blocks of one extension (comment, application, plain text): 1024, at most 255 KiB. The JDK's GIF reader
     * joins an extension's sub-blocks by copying the whole array for each one, which is quadratic: a 5 MB comment
     * (20,000 sub-blocks) kept the Java engine busy for minutes. Real extensions (loop count, XMP, comments) are far
     * smaller.
     */
    static final int MAX_EXTENSION_SUB_BLOCKS = 1024;

    private GifHeader() {}

    static ImageInfo probe(ByteReader r) throws IOException, UnsupportedImageException {
        r.seek(6);
        int screenWidth = r.u16le();
        int screenHeight = r.u16le();
        int flags = r.u8();
        r.skip(2); // background colour index, pixel aspect ratio
        if ((flags & 0x80) != 0) {
            r.skip(3L << ((flags & 7) + 1)); // global colour table
        }
        int frames = 0;
        int firstWidth = 0;
        int firstHeight = 0;
        int right = 0;
        int bottom = 0;
        long[] subBlocks = {0};
        walk:
        while (frames < ImageProbe.MAX_FRAMES && r.remaining() > 0) {
            switch (r.u8()) {
                case EXTENSION -> {
                    if (r.remaining() < 1) {
                        break walk;
                    }
                    r.u8(); // label
                    long before = subBlocks[0];
                    boolean complete = skipSubBlocks(r, subBlocks);
                    if (subBlocks[0] - before > MAX_EXTENSION_SUB_BLOCKS) {
                        throw UnsupportedImageException.damaged("GIF: an extension of " + (subBlocks[0] - before)
                                + " data sub-blocks (more than " + MAX_EXTENSION_SUB_BLOCKS + ")");
                    }
                    if (!complete) {
                        break walk;
                    }
                }
                case IMAGE -> {
                    if (r.remaining() < 9) {
                        break walk;
                    }
                    int left = r.u16le();
                    int top = r.u16le();
                    int width = r.u16le();
                    int height = r.u16le();
                    right = Math.max(right, left + width);
                    bottom = Math.max(bottom, top + height);
                    int imageFlags = r.u8();
                    if ((imageFlags & 0x80) != 0) {
                        r.skip(3L << ((imageFlags & 7) + 1)); // local colour table
                    }
                    if (++frames == 1) {
                        firstWidth = width;
                        firstHeight = height;
                    }
                    if (r.remaining() < 1) {
                        break walk;
                    }
                    r.u8(); // LZW minimum code size
                    if (!skipSubBlocks(r, subBlocks)) {
                        break walk;
                    }
                }
                case TRAILER -> {
                    break walk;
                }
                default -> {
                    if (frames == 0) {
                        throw UnsupportedImageException.damaged(
                                "GIF: unknown block before the first image at " + (r.position() - 1));
                    }
                    break walk;
                }
            }
        }
        if (frames == 0) {
            throw UnsupportedImageException.damaged("GIF: no image descriptor");
        }
        boolean useScreen = screenWidth > 0 && screenHeight > 0;
        int width = useScreen ? screenWidth : firstWidth;
        int height = useScreen ? screenHeight : firstHeight;
        if (width > 0 && height > 0) {
            // A frame reaching past the screen: decoders allocate the frame (the JDK) or grow the canvas (libnsgif),
            // so the size that is limited must cover every frame.
            width = Math.max(width, right);
            height = Math.max(height, bottom);
        }
        if (width == 0 || height == 0) {
            throw UnsupportedImageException.damaged("GIF: size " + width + "x" + height);
        }
        return new ImageInfo(ImageFormat.GIF, width, height, frames);
    }

    /** Skips data sub-blocks up to the terminator; false when the file ends first. */
    private static boolean skipSubBlocks(ByteReader r, long[] count) throws IOException, UnsupportedImageException {
        while (r.remaining() > 0) {
            int size = r.u8();
            if (size == 0) {
                return true;
            }
            if (++count[0] > MAX_SUB_BLOCKS) {
                throw UnsupportedImageException.damaged("GIF: more than " + MAX_SUB_BLOCKS + " data sub-blocks");
            }
            r.skip(size);
        }
        return false;
    }
}
