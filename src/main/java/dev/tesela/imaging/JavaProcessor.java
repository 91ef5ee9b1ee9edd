package dev.tesela.imaging;

import java.awt.Dimension;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import javax.imageio.ImageIO;
import net.coobird.thumbnailator.resizers.DefaultResizerFactory;

/**
 * The pure-Java engine, for machines without libvips: ImageIO decoders (TwelveMonkeys JPEG for CMYK/YCCK and damaged
 * files, webp-imageio for WebP, the JDK for PNG, GIF and BMP), Thumbnailator's resizers (progressive bilinear down,
 * bicubic up), EXIF orientation read with metadata-extractor ({@link Orientation}) and applied for every fit.
 *
 * <ul>
 *   <li>Big sources are decoded subsampled when the output is at least four times smaller ({@link Sizing#subsampling}),
 *       which is most of the speed and memory saving for 12 MP photos.</li>
 *   <li>A COVER box that would scale an extreme aspect ratio into a huge intermediate decodes only the centred region
 *       it uses ({@link Sizing}), and every render is checked against the {@link PixelBudget} first.</li>
 *   <li>Animation: an animated GIF written as GIF with {@code keepAnimation} (WITHIN or NONE) keeps every frame, each
 *       composed as shown, resized, with its delay and the loop count ({@link GifAnimation}). Everything else gets
 *       the first frame: webp-imageio neither reads nor writes animated WebP (an animated WebP source fails with
 *       {@link ImageDecodeException}), and ImageIO reads only the first frame of an APNG.</li>
 *   <li>AVIF and HEIC are neither read nor written (no pure-Java codec exists).</li>
 * </ul>
 * A truncated JPEG (the reader only warns) or PNG fails with {@link ImageDecodeException}. Outputs carry no metadata.
 * Stateless and thread-safe; each render holds at most the decoded (possibly subsampled) image and its resized copy.
 */
final class JavaProcessor implements ImageProcessor {
    private final Set<ImageFormat> decodes;
    private final Set<ImageFormat> encodes;
    private final PixelBudget budget;

    /** @param budget what one render may hold at once; checked against the header before and the reader's size at decode */
    JavaProcessor(PixelBudget budget) {
        this.budget = budget;
        EnumSet<ImageFormat> in = EnumSet.noneOf(ImageFormat.class);
        EnumSet<ImageFormat> out = EnumSet.noneOf(ImageFormat.class);
        for (ImageFormat format :
                EnumSet.of(ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF, ImageFormat.WEBP, ImageFormat.BMP)) {
            if (ImageIO.getImageReadersByFormatName(ImageIoWriting.writerName(format))
                    .hasNext()) {
                in.add(format);
            }
            if (ImageIoWriting.canWrite(format)) {
                out.add(format);
            }
        }
        decodes = Collections.unmodifiableSet(in);
        encodes = Collections.unmodifiableSet(out);
    }

    @Override
    public String description() {
        return "java (ImageIO + Thumbnailator)";
    }

    @Override
    public Set<ImageFormat> decodes() {
        return decodes;
    }

    @Override
    public Set<ImageFormat> encodes() {
        return encodes;
    }

    @Override
    public Rendered render(Path source, ImageInfo info, RenderSpec spec, Path target) throws IOException {
        RenderPreconditions.require(this, source, info, spec);
        budget.require(info.width(), info.height(), spec, RenderPreconditions.describe(spec));
        try (PendingFile out = PendingFile.beside(target, spec.format().extension())) {
            Rendered rendered = keepsFrames(info, spec)
                    ? renderAnimation(source, spec, out.path())
                    : renderStill(source, info.format(), spec, out.path());
            return new Rendered(
                    rendered.format(), rendered.width(), rendered.height(), rendered.frames(), out.commit());
        }
    }

    private static boolean keepsFrames(ImageInfo info, RenderSpec spec) {
        return spec.keepAnimation()
                && info.animated()
                && spec.fit() != RenderSpec.Fit.COVER
                && info.format() == ImageFormat.GIF
                && spec.format() == ImageFormat.GIF;
    }

    /**
     * One frame: decode (only the region a COVER box uses, subsampled when possible), size, orient, encode. Byte size
     * is filled in by the caller.
     */
    private Rendered renderStill(Path source, ImageFormat format, RenderSpec spec, Path file) throws IOException {
        int orientation = Orientation.of(source, format);
        boolean swap = Orientation.swapsAxes(orientation);
        BufferedImage decoded;
        Sizing sizing;
        if (format == ImageFormat.GIF) {
            try (GifAnimation.Frames frames = new GifAnimation.Frames(source)) {
                budget.require(frames.width(), frames.height(), spec, RenderPreconditions.describe(spec));
                decoded = ImageIoReading.converted(frames.next(), BufferedImage.TYPE_INT_ARGB_PRE);
            }
            sizing = Sizing.of(spec, decoded.getWidth(), decoded.getHeight(), swap);
            decoded = region(decoded, sizing, 1);
        } else {
            Sizing[] chosen = new Sizing[1];
            decoded = ImageIoReading.read(source, (w, h) -> {
                // The reader's own idea of the size is what it allocates: check that too, before it decodes.
                budget.require(w, h, spec, RenderPreconditions.describe(spec));
                chosen[0] = Sizing.of(spec, w, h, swap);
                Sizing s = chosen[0];
                return new ImageIoReading.Window(
                        new Rectangle(s.cropX(), s.cropY(), s.cropWidth(), s.cropHeight()), s.subsampling());
            });
            sizing = chosen[0];
            decoded = region(decoded, sizing, sizing.subsampling());
        }
        BufferedImage upright = Orientation.apply(sized(decoded, sizing), orientation);
        ImageIoWriting.write(upright, spec.format(), spec.quality(), file);
        return new Rendered(spec.format(), upright.getWidth(), upright.getHeight(), 1, 0);
    }

    /**
     * The sizing's region of {@code decoded}, which is either that region already (the reader honoured the source
     * region) or the whole source (GIF canvases; a reader that ignores source regions), subsampled by {@code factor}.
     */
    private static BufferedImage region(BufferedImage decoded, Sizing sizing, int factor) {
        int regionW = ceilDiv(sizing.cropWidth(), factor);
        int regionH = ceilDiv(sizing.cropHeight(), factor);
        if (!sizing.cropsFirst() || decoded.getWidth() == regionW && decoded.getHeight() == regionH) {
            return decoded;
        }
        int x = Math.min(sizing.cropX() / factor, Math.max(0, decoded.getWidth() - regionW));
        int y = Math.min(sizing.cropY() / factor, Math.max(0, decoded.getHeight() - regionH));
        return ImageIoReading.converted(
                decoded.getSubimage(
                        x, y, Math.min(regionW, decoded.getWidth()), Math.min(regionH, decoded.getHeight())),
                decoded.getType());
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Every frame of a GIF, each sized like a still; GIF has no EXIF orientation. */
    private Rendered renderAnimation(Path source, RenderSpec spec, Path file) throws IOException {
        try (GifAnimation.Frames frames = new GifAnimation.Frames(source);
                GifAnimation.Sink sink = new GifAnimation.Sink(file, frames.loops())) {
            budget.require(frames.width(), frames.height(), spec, RenderPreconditions.describe(spec));
            Sizing sizing = Sizing.of(spec, frames.width(), frames.height(), false);
            for (int i = 0; i < frames.count(); i++) {
                BufferedImage frame = frames.next();
                sink.add(sized(frame, sizing), frames.delay());
            }
            return new Rendered(ImageFormat.GIF, sizing.width(), sizing.height(), sink.written(), 0);
        }
    }

    /**
     * {@code image} (possibly a subsampled decode of the source) scaled to the sizing's scaled size and centre-cropped
     * to its final size. Returns a new image unless nothing changes; never a sub-image view.
     */
    static BufferedImage sized(BufferedImage image, Sizing sizing) {
        BufferedImage scaled = image;
        if (image.getWidth() != sizing.scaledWidth() || image.getHeight() != sizing.scaledHeight()) {
            scaled = new BufferedImage(sizing.scaledWidth(), sizing.scaledHeight(), image.getType());
            DefaultResizerFactory.getInstance()
                    .getResizer(
                            new Dimension(image.getWidth(), image.getHeight()),
                            new Dimension(sizing.scaledWidth(), sizing.scaledHeight()))
                    .resize(image, scaled);
        }
        if (scaled.getWidth() == sizing.width() && scaled.getHeight() == sizing.height()) {
            return scaled;
        }
        int x = (scaled.getWidth() - sizing.width()) / 2;
        int y = (scaled.getHeight() - sizing.height()) / 2;
        return ImageIoReading.converted(scaled.getSubimage(x, y, sizing.width(), sizing.height()), scaled.getType());
    }
}
