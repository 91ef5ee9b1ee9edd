package dev.tesela.imaging;

import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Node;

/**
 * Animated GIF for the Java engine, on the JDK's GIF reader and writer. The reader yields each frame as it is seen:
 * composed onto the logical screen following the previous frames' disposal methods. The writer writes whole-canvas
 * frames (disposal "restore to background", so transparent pixels never show the previous frame) with their delays
 * and the source's loop count. Neither is thread-safe; one per render.
 */
final class GifAnimation {
    private static final String IMAGE_FORMAT = "javax_imageio_gif_image_1.0";
    private static final String STREAM_FORMAT = "javax_imageio_gif_stream_1.0";

    private GifAnimation() {}

    /** Frames of a GIF file, composed. */
    static final class Frames implements AutoCloseable {
        private final ImageInputStream in;
        private final ImageReader reader;
        private final int width;
        private final int height;
        private final int loops;
        private final int count;
        private final BufferedImage canvas;
        private BufferedImage saved;
        private Rectangle lastArea;
        private String lastDisposal = "none";
        private int next;
        private int delay;

        /**
         * Opens {@code source}; counts its frames (a full scan of the file).
         *
         * @throws ImageDecodeException when the file is not a readable GIF
         */
        Frames(Path source) throws IOException {
            in = ImageIO.createImageInputStream(source.toFile());
            if (in == null) {
                throw new IOException("cannot open " + source);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("gif");
            reader = readers.next();
            try {
                reader.setInput(in, false, false);
                count = reader.getNumImages(true);
                if (count < 1) {
                    throw new ImageDecodeException("GIF without frames: " + source.getFileName());
                }
                IIOMetadataNode screen =
                        child(reader.getStreamMetadata().getAsTree(STREAM_FORMAT), "LogicalScreenDescriptor");
                int w = intAttribute(screen, "logicalScreenWidth", 0);
                int h = intAttribute(screen, "logicalScreenHeight", 0);
                if (w <= 0 || h <= 0) {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                }
                width = w;
                height = h;
                loops = loopCount(reader.getImageMetadata(0).getAsTree(IMAGE_FORMAT));
            } catch (IOException | RuntimeException e) {
                close();
                throw e instanceof ImageDecodeException d
                        ? d
                        : new ImageDecodeException(
                                "cannot decode GIF " + source.getFileName() + ": " + e.getMessage(), e);
            }
            canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB_PRE);
        }

        int width() {
            return width;
        }

        int height() {
            return height;
        }

        int count() {
            return count;
        }

        /** The NETSCAPE2.0 loop count (0 = forever), or -1 when the file has none (played once). */
        int loops() {
            return loops;
        }

        /** Delay of the frame last returned by {@link #next()}, in 1/100 s. */
        int delay() {
            return delay;
        }

        /**
         * The next frame as seen (logical-screen size, TYPE_INT_ARGB_PRE). The returned image is this object's canvas
         * and changes on the next call: copy or consume it first.
         */
        BufferedImage next() {
            if (next >= count) {
                throw new IllegalStateException("no frame " + next);
            }
            try {
                dispose();
                Node tree = reader.getImageMetadata(next).getAsTree(IMAGE_FORMAT);
                IIOMetadataNode descriptor = child(tree, "ImageDescriptor");
                IIOMetadataNode control = child(tree, "GraphicControlExtension");
                BufferedImage frame = reader.read(next);
                int left = intAttribute(descriptor, "imageLeftPosition", 0);
                int top = intAttribute(descriptor, "imageTopPosition", 0);
                String disposal = control == null ? "none" : control.getAttribute("disposalMethod");
                delay = intAttribute(control, "delayTime", 0);
                if (disposal.equals("restoreToPrevious")) {
                    saved = ImageIoReading.converted(canvas, BufferedImage.TYPE_INT_ARGB_PRE);
                }
                Graphics2D g = canvas.createGraphics();
                try {
                    g.drawImage(frame, left, top, null);
                } finally {
                    g.dispose();
                }
                lastArea = new Rectangle(left, top, frame.getWidth(), frame.getHeight());
                lastDisposal = disposal;
                next++;
                return canvas;
            } catch (IOException | RuntimeException e) {
                throw e instanceof ImageDecodeException d
                        ? d
                        : new ImageDecodeException("cannot decode GIF frame " + next + ": " + e.getMessage(), e);
            }
        }

        /** Applies the previous frame's disposal method to the canvas. */
        private void dispose() {
            if (lastArea == null) {
                return;
            }
            Graphics2D g = canvas.createGraphics();
            try {
                if (lastDisposal.equals("restoreToBackgroundColor")) {
                    g.setComposite(AlphaComposite.Clear);
                    g.fillRect(lastArea.x, lastArea.y, lastArea.width, lastArea.height);
                } else if (lastDisposal.equals("restoreToPrevious") && saved != null) {
                    g.setComposite(AlphaComposite.Src);
                    g.drawImage(saved, 0, 0, null);
                }
            } finally {
                g.dispose();
            }
        }

        @Override
        public void close() throws IOException {
            reader.dispose();
            in.close();
        }
    }

    /** Writes an animated GIF frame by frame. */
    static final class Sink implements AutoCloseable {
        private final ImageOutputStream out;
        private final ImageWriter writer;
        private final int loops;
        private int written;

        /** Starts a GIF in the empty file {@code file}; {@code loops} as in {@link Frames#loops()}. */
        Sink(Path file, int loops) throws IOException {
            this.loops = loops;
            out = ImageIO.createImageOutputStream(file.toFile());
            writer = ImageIoWriting.writer(ImageFormat.GIF);
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
        }

        /** Appends one whole-canvas frame (any int-packed type) shown for {@code delay} 1/100 s. */
        void add(BufferedImage frame, int delay) throws IOException {
            BufferedImage pixels = ImageIoWriting.straightAlpha(frame);
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata metadata =
                    writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(pixels), param);
            IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(IMAGE_FORMAT);
            IIOMetadataNode control = childOrNew(root, "GraphicControlExtension");
            control.setAttribute("disposalMethod", "restoreToBackgroundColor");
            control.setAttribute("userInputFlag", "FALSE");
            control.setAttribute("delayTime", Integer.toString(Math.max(0, delay)));
            if (!control.hasAttribute("transparentColorFlag")) {
                control.setAttribute("transparentColorFlag", "FALSE");
            }
            if (!control.hasAttribute("transparentColorIndex")) {
                control.setAttribute("transparentColorIndex", "0");
            }
            if (written == 0 && loops >= 0) {
                IIOMetadataNode extensions = childOrNew(root, "ApplicationExtensions");
                IIOMetadataNode netscape = new IIOMetadataNode("ApplicationExtension");
                netscape.setAttribute("applicationID", "NETSCAPE");
                netscape.setAttribute("authenticationCode", "2.0");
                netscape.setUserObject(new byte[] {1, (byte) (loops & 0xFF), (byte) ((loops >> 8) & 0xFF)});
                extensions.appendChild(netscape);
            }
            metadata.setFromTree(IMAGE_FORMAT, root);
            writer.writeToSequence(new IIOImage(pixels, null, metadata), param);
            written++;
        }

        int written() {
            return written;
        }

        /** Finishes the file (when at least one frame was written) and releases the writer. */
        @Override
        public void close() throws IOException {
            try {
                if (written > 0) {
                    writer.endWriteSequence();
                }
            } finally {
                writer.dispose();
                out.close();
            }
        }
    }

    // ---- metadata trees ----------------------------------------------------------------------------------------

    private static int loopCount(Node imageTree) {
        IIOMetadataNode extensions = child(imageTree, "ApplicationExtensions");
        if (extensions == null) {
            return -1;
        }
        for (Node n = extensions.getFirstChild(); n != null; n = n.getNextSibling()) {
            IIOMetadataNode ext = (IIOMetadataNode) n;
            if ("NETSCAPE".equals(ext.getAttribute("applicationID"))
                    && ext.getUserObject() instanceof byte[] data
                    && data.length >= 3
                    && data[0] == 1) {
                return (data[1] & 0xFF) | (data[2] & 0xFF) << 8;
            }
        }
        return -1;
    }

    private static IIOMetadataNode child(Node parent, String name) {
        for (Node n = parent == null ? null : parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals(name)) {
                return (IIOMetadataNode) n;
            }
        }
        return null;
    }

    private static IIOMetadataNode childOrNew(IIOMetadataNode parent, String name) {
        IIOMetadataNode node = child(parent, name);
        if (node == null) {
            node = new IIOMetadataNode(name);
            parent.appendChild(node);
        }
        return node;
    }

    private static int intAttribute(IIOMetadataNode node, String name, int fallback) {
        if (node == null || !node.hasAttribute(name)) {
            return fallback;
        }
        try {
            return Integer.parseInt(node.getAttribute(name));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
