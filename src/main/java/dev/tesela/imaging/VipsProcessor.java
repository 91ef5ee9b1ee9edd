package dev.tesela.imaging;

import dev.tesela.imaging.Vips.VipsException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The libvips engine: every render is one {@code vips_thumbnail} (shrink-on-load, auto-rotate, CMYK to sRGB, 16-bit
 * to 8-bit), an ICC transform to sRGB when the source embeds a profile (Display P3, Adobe RGB), and one save through
 * a {@link PendingFile}.
 *
 * <ul>
 *   <li>COVER: {@code crop=centre, size=both} (upscales small sources); first frame only. When that would scale an
 *       extreme aspect ratio into a huge intermediate (60000×1 into 320×320: 19,200,000×320), the first frame is
 *       opened instead, the centred region with the box's aspect ratio cut out ({@code vips_extract_area}) and only
 *       that thumbnailed ({@code vips_thumbnail_image}); see {@link Sizing}.</li>
 *   <li>WITHIN: the box with height 0 as "unbounded", {@code size=down} (never upscales). An animated GIF or WebP
 *       source written as GIF or WebP with {@code keepAnimation} is loaded with {@code [n=-1]}: every frame is sized
 *       to the box, delays and loop count are kept.</li>
 *   <li>NONE: the same call with an unbounded box, so it only orients and converts (frames kept as for WITHIN).</li>
 * </ul>
 * Decoding uses {@code fail_on=error}: a truncated or corrupt source fails ({@link ImageDecodeException} with
 * libvips's message) instead of coming out half grey. Before loading, the loader libvips would pick is checked
 * against the sniffed {@link ImageInfo#format()}: a file never reaches a loader for another format. Outputs keep no
 * metadata except the frame layout: the header is copied without EXIF/XMP/IPTC/ICC, and WebP files go through
 * {@link WebpMetadata} because 8.14's webpsave writes an EXIF block even with {@code strip}. JPEG outputs are flattened
 * on white ({@code background=255}).
 *
 * <p>BMP is not supported: this libvips reads it only through ImageMagick, which {@link Vips} blocks as untrusted
 * ({@link ImageEngines} hands BMP to {@link JavaProcessor}). AVIF and HEIC are listed in {@link #encodes()} only when
 * a probe save succeeds (libheif may lack the encoder plug-in). Every render is checked against the
 * {@link PixelBudget} from the header first, and a cut-out COVER again against the size libvips found. Immutable and
 * thread-safe.
 */
final class VipsProcessor implements ImageProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(VipsProcessor.class);
    /** The header fields an animated output keeps; a still output keeps none. */
    private static final Set<String> FRAME_FIELDS =
            Set.of("page-height", "n-pages", "delay", "loop", "gif-delay", "gif-loop");
    /** Loader class-name prefixes libvips may pick for each sniffed format. */
    private static final Map<ImageFormat, List<String>> LOADERS = Map.of(
            ImageFormat.JPEG, List.of("VipsForeignLoadJpeg"),
            ImageFormat.PNG, List.of("VipsForeignLoadPng"),
            ImageFormat.GIF, List.of("VipsForeignLoadNsgif", "VipsForeignLoadGif"),
            ImageFormat.WEBP, List.of("VipsForeignLoadWebp"),
            ImageFormat.AVIF, List.of("VipsForeignLoadHeif"),
            ImageFormat.HEIC, List.of("VipsForeignLoadHeif"));
    /** errno texts that make a failed save an I/O failure of the target rather than a decode failure. */
    private static final List<String> IO_ERRORS =
            List.of("no space left", "permission denied", "read-only file system", "disk quota", "input/output error");

    private final Vips vips;
    private final PixelBudget budget;
    private final Set<ImageFormat> decodes;
    private final Set<ImageFormat> encodes;

    private VipsProcessor(Vips vips, PixelBudget budget) {
        this.vips = vips;
        this.budget = budget;
        EnumSet<ImageFormat> in = EnumSet.noneOf(ImageFormat.class);
        add(in, ImageFormat.JPEG, vips.hasOperation("jpegload"));
        add(in, ImageFormat.PNG, vips.hasOperation("pngload"));
        add(in, ImageFormat.GIF, vips.hasOperation("gifload"));
        add(in, ImageFormat.WEBP, vips.hasOperation("webpload"));
        add(in, ImageFormat.AVIF, vips.hasOperation("heifload"));
        add(in, ImageFormat.HEIC, vips.hasOperation("heifload"));
        EnumSet<ImageFormat> out = EnumSet.noneOf(ImageFormat.class);
        add(out, ImageFormat.JPEG, vips.hasOperation("jpegsave"));
        add(out, ImageFormat.PNG, vips.hasOperation("pngsave"));
        add(out, ImageFormat.GIF, vips.hasOperation("gifsave"));
        add(out, ImageFormat.WEBP, vips.hasOperation("webpsave"));
        add(out, ImageFormat.AVIF, vips.hasOperation("heifsave") && vips.canSave(".avif"));
        add(out, ImageFormat.HEIC, vips.hasOperation("heifsave") && vips.canSave(".heic"));
        this.decodes = Collections.unmodifiableSet(in);
        this.encodes = Collections.unmodifiableSet(out);
    }

    /**
     * The engine over the process-wide libvips; every render is checked against {@code budget} before libvips
     * touches the source.
     *
     * @throws IllegalStateException when libvips cannot be loaded here (the message says why)
     */
    static VipsProcessor load(PixelBudget budget) {
        return new VipsProcessor(Vips.instance(), budget);
    }

    @Override
    public String description() {
        return vips.description;
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
        boolean animated = keepsFrames(info, spec);
        String file = source.toAbsolutePath().toString();
        try (Arena arena = Arena.ofConfined();
                PendingFile out = PendingFile.beside(target, spec.format().extension())) {
            requireLoader(arena, file, info.format());
            MemorySegment sized = srgb(
                    arena,
                    cropsFirst(info, spec)
                            ? coverOfRegion(arena, file, spec)
                            : sized(arena, file + (animated ? "[n=-1]" : "[]"), spec));
            try {
                int width = vips.width(sized);
                int height = animated ? vips.pageHeight(sized) : vips.height(sized);
                int frames = animated ? vips.height(sized) / height : 1;
                MemorySegment clean = vips.copyKeepingOnly(arena, sized, animated ? FRAME_FIELDS : Set.of());
                try {
                    vips.writeToFile(arena, clean, out.path() + "[" + saveOptions(spec) + "]");
                } finally {
                    vips.unref(clean);
                }
                if (spec.format() == ImageFormat.WEBP) {
                    WebpMetadata.strip(out.path());
                }
                return new Rendered(spec.format(), width, height, frames, out.commit());
            } finally {
                vips.unref(sized);
            }
        } catch (VipsException e) {
            String lower = e.getMessage().toLowerCase(Locale.ROOT);
            if (IO_ERRORS.stream().anyMatch(lower::contains)) {
                throw new IOException("libvips could not write " + target + ": " + e.getMessage(), e);
            }
            throw new ImageDecodeException(
                    "libvips could not decode the " + info.format() + " source: " + e.getMessage(), e);
        }
    }

    /** Whether the output keeps every frame: an animated GIF/WebP source, WITHIN or NONE, written as GIF or WebP. */
    private static boolean keepsFrames(ImageInfo info, RenderSpec spec) {
        return spec.keepAnimation()
                && info.animated()
                && spec.fit() != RenderSpec.Fit.COVER
                && (info.format() == ImageFormat.GIF || info.format() == ImageFormat.WEBP)
                && (spec.format() == ImageFormat.GIF || spec.format() == ImageFormat.WEBP);
    }

    private void requireLoader(Arena arena, String file, ImageFormat format) {
        String loader = vips.loaderFor(arena, file + "[]")
                .orElseThrow(() -> new ImageDecodeException(
                        "libvips does not recognise the " + format + " source as any image format"));
        if (LOADERS.get(format).stream().noneMatch(loader::startsWith)) {
            throw new ImageDecodeException("libvips would read the " + format + " source with " + loader);
        }
    }

    /**
     * Whether a COVER box would scale this source into a huge intermediate in one step (an extreme aspect ratio, in
     * either orientation): then the region it uses is cut out first ({@link Sizing}).
     */
    private static boolean cropsFirst(ImageInfo info, RenderSpec spec) {
        return spec.fit() == RenderSpec.Fit.COVER
                && (Sizing.of(spec, info.width(), info.height(), false).cropsFirst()
                        || Sizing.of(spec, info.width(), info.height(), true).cropsFirst());
    }

    /**
     * COVER without the one-step intermediate: open the first frame (sequential: rows stream through), cut out the
     * centred region with the box's aspect ratio (computed on the size and orientation libvips found, so a HEIF
     * rotated on load is cut right), and thumbnail only that (no shrink-on-load: this path is for sources whose short
     * side is tiny, where it would not help).
     */
    private MemorySegment coverOfRegion(Arena arena, String file, RenderSpec spec) {
        MemorySegment loaded = vips.open(arena, file + "[access=sequential,fail_on=error]");
        try {
            int width = vips.width(loaded);
            int height = vips.height(loaded);
            budget.require(width, height, spec, RenderPreconditions.describe(spec));
            Sizing sizing = Sizing.of(spec, width, height, vips.orientationSwaps(loaded));
            MemorySegment region = vips.extractArea(
                    arena, loaded, sizing.cropX(), sizing.cropY(), sizing.cropWidth(), sizing.cropHeight());
            try {
                return vips.thumbnailImage(
                        arena, region, spec.width(), spec.height(), vips.sizeBoth, vips.interestingCentre);
            } finally {
                vips.unref(region);
            }
        } finally {
            vips.unref(loaded);
        }
    }

    private MemorySegment sized(Arena arena, String filename, RenderSpec spec) {
        return switch (spec.fit()) {
            case COVER ->
                vips.thumbnail(arena, filename, spec.width(), spec.height(), vips.sizeBoth, vips.interestingCentre);
            case WITHIN ->
                vips.thumbnail(
                        arena,
                        filename,
                        spec.width(),
                        spec.height() > 0 ? spec.height() : Vips.MAX_COORD,
                        vips.sizeDown,
                        vips.interestingNone);
            case NONE ->
                vips.thumbnail(arena, filename, Vips.MAX_COORD, Vips.MAX_COORD, vips.sizeDown, vips.interestingNone);
        };
    }

    /**
     * {@code image} converted from its embedded ICC profile to sRGB (and {@code image} unreffed), or {@code image}
     * itself when it has no profile or an unusable one (its pixels are then taken as sRGB, as browsers do).
     */
    private MemorySegment srgb(Arena arena, MemorySegment image) {
        try {
            Optional<MemorySegment> converted = vips.toSrgb(arena, image);
            if (converted.isEmpty()) {
                return image;
            }
            vips.unref(image);
            return converted.get();
        } catch (VipsException e) {
            LOG.debug("ignoring an unusable ICC profile: {}", e.getMessage());
            return image;
        }
    }

    /**
     * Saver options; the saver itself is chosen by the file extension. GIF uses the lowest quantisation effort: at
     * the default (7) cgif spends about 7 s of CPU on a 20-frame 500×375 animation, at 1 about a third of that.
     */
    private static String saveOptions(RenderSpec spec) {
        return switch (spec.format()) {
            case JPEG -> "Q=" + spec.quality() + ",strip,background=255";
            case WEBP, AVIF, HEIC -> "Q=" + spec.quality() + ",strip";
            case GIF -> "strip,effort=1";
            case PNG, BMP -> "strip";
        };
    }

    private static void add(Set<ImageFormat> set, ImageFormat format, boolean supported) {
        if (supported) {
            set.add(format);
        }
    }
}
