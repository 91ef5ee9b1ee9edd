package dev.tesela.media;

import dev.tesela.imaging.ImageDecodeException;
import dev.tesela.imaging.ImageFormat;
import dev.tesela.imaging.ImageInfo;
import dev.tesela.imaging.ImageMetadata;
import dev.tesela.imaging.ImageProbe;
import dev.tesela.imaging.ImageProcessor;
import dev.tesela.imaging.ImageTooLargeException;
import dev.tesela.imaging.MetadataReader;
import dev.tesela.imaging.MetadataStripper;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.imaging.RenderSpec;
import dev.tesela.imaging.RenderSpec.Fit;
import dev.tesela.imaging.Rendered;
import dev.tesela.imaging.UnsupportedImageException;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.error.AppException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The steps between a received file and the files to store, in this order, each named for what it does:
 * <ol>
 *   <li>{@link #sniff}: the type from magic bytes, checked against what the client claimed;</li>
 *   <li>{@link #limit}: width × height × frames from the header, and the pixels every planned output needs at once
 *       against the per-job {@link PixelBudget}, refused before any decoding;</li>
 *   <li>{@link #process}: orientation, metadata, resize on request, conversion of formats browsers do not show,
 *       then the thumbnail and medium variants — under the {@link ProcessingGate}.</li>
 * </ol>
 * Receiving is {@link Receiver}'s job and storing the {@link MediaService}'s. Stateless and thread-safe.
 */
final class ImagePipeline {
    static final int MAIN_QUALITY = 90;
    static final int VARIANT_QUALITY = 82;
    /** Width used for "no width limit" when the medium is fixed by height. */
    private static final int UNBOUNDED = 1_000_000;

    private final ImageProcessor engine;
    private final TeselaConfig.Media limits;
    private final PixelBudget budget;
    private final ProcessingGate gate;
    private final Receiver receiver;

    ImagePipeline(ImageProcessor engine, TeselaConfig.Media limits, ProcessingGate gate, Receiver receiver) {
        this.engine = engine;
        this.limits = limits;
        this.budget = new PixelBudget(limits.jobPixels());
        this.gate = gate;
        this.receiver = receiver;
    }

    ImageProcessor engine() {
        return engine;
    }

    /** Step "sniff": the real type of the file. A declared image type that disagrees with the content is refused. */
    ImageInfo sniff(ReceivedFile file) throws IOException {
        ImageInfo info;
        try {
            info = ImageProbe.probe(file.path());
        } catch (UnsupportedImageException e) {
            throw AppException.invalid("source", e.getMessage());
        }
        Optional<ImageFormat> declared = ImageFormat.fromMimeType(file.declaredType());
        if (declared.isPresent() && declared.get() != info.format()) {
            throw AppException.invalid(
                    "source",
                    "The file was sent as " + declared.get().name() + " but its content is "
                            + info.format().name() + ".");
        }
        if (!engine.decodes().contains(info.format())) {
            throw AppException.invalid("source", info.format().name() + " images cannot be processed on this server.");
        }
        return info;
    }

    /**
     * Step "limit": refuses, from the header alone and before anything is decoded, images too large to decode safely
     * and images of which an output {@link #process} would make ({@code settings}, {@code requestedWidth} as it will
     * get them) needs more than the per-job {@link PixelBudget} at once, in either EXIF orientation.
     */
    void limit(ImageInfo info, MediaSettings settings, int requestedWidth) {
        try {
            PixelBudget.requireSides(info.width(), info.height());
        } catch (ImageTooLargeException e) {
            throw AppException.invalid("source", e.getMessage());
        }
        if (info.pixels() > limits.maxPixels()) {
            throw AppException.invalid(
                    "source",
                    "The image is " + info.width() + "×" + info.height() + " pixels; the limit is "
                            + limits.maxPixels() / 1_000_000 + " megapixels.");
        }
        if (info.frames() > limits.maxFrames()) {
            throw AppException.invalid(
                    "source",
                    "The animation has " + info.frames() + " frames; the limit is " + limits.maxFrames() + ".");
        }
        if (info.pixels() * info.frames() > limits.maxTotalPixels()) {
            throw AppException.invalid(
                    "source",
                    "The animation is too large: " + info.frames() + " frames of " + info.width() + "×" + info.height()
                            + " pixels exceed " + limits.maxTotalPixels() / 1_000_000 + " megapixels in all.");
        }
        try {
            for (boolean turned : new boolean[] {false, true}) {
                int[] main = mainSize(info, turned, settings, requestedWidth);
                budget.require(
                        info.width(),
                        info.height(),
                        main[0] == (turned ? info.height() : info.width())
                                ? new RenderSpec(Fit.NONE, 0, 0, mainFormat(info.format()), true, MAIN_QUALITY)
                                : new RenderSpec(
                                        Fit.WITHIN, main[0], main[1], mainFormat(info.format()), true, MAIN_QUALITY),
                        "a copy");
                ImageInfo mainInfo = new ImageInfo(mainFormat(info.format()), main[0], main[1], info.frames());
                budget.require(main[0], main[1], thumbSpec(settings, mainInfo.format()), "its thumbnail");
                Optional<RenderSpec> medium = mediumSpec(settings, mainInfo);
                if (medium.isPresent()) {
                    budget.require(main[0], main[1], medium.get(), "its medium-size copy");
                }
            }
        } catch (ImageTooLargeException e) {
            throw AppException.invalid("source", e.getMessage());
        }
    }

    /**
     * Step "process": writes the main file (the received file itself when nothing needs changing) and the variants
     * to temp files. Waits for a processing slot. On failure no temp file of this step is left behind.
     *
     * @param requestedWidth resize the main image to this width (never up), or 0
     */
    ProcessedImage process(ReceivedFile file, ImageInfo info, MediaSettings settings, int requestedWidth)
            throws Exception {
        ImageMetadata metadata = MetadataReader.read(file.path(), info.format());
        return gate.run(() -> {
            List<Path> made = new ArrayList<>();
            try {
                ProcessedImage.Output main = main(file, info, metadata, settings, requestedWidth, made);
                ImageInfo mainInfo = new ImageInfo(main.format(), main.width(), main.height(), main.frames());
                List<ProcessedImage.Output> variants = new ArrayList<>();
                variants.add(render("thumb", main.file(), mainInfo, thumbSpec(settings, main.format()), made));
                Optional<RenderSpec> medium = mediumSpec(settings, mainInfo);
                if (medium.isPresent()) {
                    variants.add(render("medium", main.file(), mainInfo, medium.get(), made));
                }
                String sourceSha256 = main.file().equals(file.path()) ? null : file.sha256();
                return new ProcessedImage(main, List.copyOf(variants), metadata, sourceSha256);
            } catch (ImageTooLargeException e) {
                // The limit step checks the same plan; an engine can still refuse on the size its decoder found.
                deleteAll(made);
                throw AppException.invalid("source", e.getMessage());
            } catch (ImageDecodeException e) {
                deleteAll(made);
                if (info.animated()
                        && info.format() == ImageFormat.WEBP
                        && !engine.description().contains("libvips")) {
                    // The pure-Java engine reads no animated WebP: say so rather than blame the file.
                    throw AppException.invalid(
                            "source",
                            "Animated WebP images cannot be processed on this server: its image engine ("
                                    + engine.description() + ") reads only still WebP. libvips reads them.");
                }
                throw AppException.invalid("source", "The image could not be read: it is damaged or incomplete.");
            } catch (Exception | Error e) {
                deleteAll(made);
                throw e;
            }
        });
    }

    private ProcessedImage.Output main(
            ReceivedFile file,
            ImageInfo info,
            ImageMetadata metadata,
            MediaSettings settings,
            int requestedWidth,
            List<Path> made)
            throws IOException {
        ImageFormat format = mainFormat(info.format());
        boolean turned = metadata.orientation() >= 5;
        int width = turned ? info.height() : info.width();
        int height = turned ? info.width() : info.height();
        int[] target = mainSize(info, turned, settings, requestedWidth);
        int targetWidth = target[0];
        int targetHeight = target[1];
        boolean resize = targetWidth != width || targetHeight != height;
        boolean reorient = metadata.orientation() > 1 && !info.animated();
        if (format != info.format() || resize || reorient) {
            RenderSpec spec = resize
                    ? new RenderSpec(Fit.WITHIN, targetWidth, targetHeight, format, true, MAIN_QUALITY)
                    : new RenderSpec(Fit.NONE, 0, 0, format, true, MAIN_QUALITY);
            return render(null, file.path(), info, spec, made);
        }
        boolean strip = !settings.keepExif() || (metadata.hasGps() && !settings.keepGps());
        if (strip) {
            Path stripped = receiver.newTempFile("." + format.extension());
            made.add(stripped);
            boolean done;
            try {
                done = MetadataStripper.strip(file.path(), stripped, format, true);
            } catch (UnsupportedImageException e) {
                throw AppException.invalid("source", e.getMessage());
            }
            if (done) {
                return digest(null, stripped, info);
            }
            Files.deleteIfExists(stripped);
            made.remove(stripped);
            if (metadata.hasGps() && !settings.keepGps()) {
                // No lossless stripper for this format: re-encode rather than publish a location.
                return render(
                        null, file.path(), info, new RenderSpec(Fit.NONE, 0, 0, format, true, MAIN_QUALITY), made);
            }
        }
        return new ProcessedImage.Output(
                null,
                file.path(),
                info.format(),
                info.width(),
                info.height(),
                info.frames(),
                file.byteSize(),
                file.sha256(),
                file.md5());
    }

    /**
     * The upright width and height of the main image: the source's (turned when the EXIF orientation is a quarter
     * turn), reduced to the requested width and the site's maximum width and height (never enlarged; an animation is
     * never resized).
     */
    private static int[] mainSize(ImageInfo info, boolean turned, MediaSettings settings, int requestedWidth) {
        int width = turned ? info.height() : info.width();
        int height = turned ? info.width() : info.height();
        int targetWidth = width;
        int targetHeight = height;
        if (!info.animated()) {
            if (requestedWidth > 0 && requestedWidth < targetWidth) {
                targetHeight = Math.max(1, (int) Math.round((double) height * requestedWidth / width));
                targetWidth = requestedWidth;
            }
            if (settings.maxImageWidth() > 0 && targetWidth > settings.maxImageWidth()) {
                targetHeight =
                        Math.max(1, (int) Math.round((double) targetHeight * settings.maxImageWidth() / targetWidth));
                targetWidth = settings.maxImageWidth();
            }
            if (settings.maxImageHeight() > 0 && targetHeight > settings.maxImageHeight()) {
                targetWidth =
                        Math.max(1, (int) Math.round((double) targetWidth * settings.maxImageHeight() / targetHeight));
                targetHeight = settings.maxImageHeight();
            }
        }
        return new int[] {targetWidth, targetHeight};
    }

    /** The thumbnail of a main image in {@code mainFormat}: the site's box, centre-cropped, one frame. */
    private RenderSpec thumbSpec(MediaSettings settings, ImageFormat mainFormat) {
        return new RenderSpec(
                Fit.COVER,
                settings.thumbWidth(),
                settings.thumbHeight(),
                variantFormat(mainFormat, false),
                false,
                VARIANT_QUALITY);
    }

    /**
     * The medium of {@code main}: the site's width (or height, {@link #UNBOUNDED} the other way), animated when the
     * main is; none when the main is no larger (a still).
     */
    private Optional<RenderSpec> mediumSpec(MediaSettings settings, ImageInfo main) {
        boolean needsMedium = main.animated()
                || (settings.mediumFixedHeight()
                        ? main.height() > settings.mediumSize()
                        : main.width() > settings.mediumSize());
        if (!needsMedium) {
            return Optional.empty();
        }
        ImageFormat format = variantFormat(main.format(), main.animated());
        return Optional.of(
                settings.mediumFixedHeight()
                        ? new RenderSpec(Fit.WITHIN, UNBOUNDED, settings.mediumSize(), format, true, VARIANT_QUALITY)
                        : new RenderSpec(Fit.WITHIN, settings.mediumSize(), 0, format, true, VARIANT_QUALITY));
    }

    private ProcessedImage.Output render(String variant, Path source, ImageInfo info, RenderSpec spec, List<Path> made)
            throws IOException {
        Path target = receiver.newTempFile("." + spec.format().extension());
        made.add(target);
        Files.delete(target); // engines write a new file; the name is ours
        Rendered out = engine.render(source, info, spec, target);
        Digests d = Digests.of(target);
        return new ProcessedImage.Output(
                variant,
                target,
                out.format(),
                out.width(),
                out.height(),
                out.frames(),
                Files.size(target),
                d.sha256(),
                d.md5());
    }

    private static ProcessedImage.Output digest(String variant, Path file, ImageInfo info) throws IOException {
        Digests d = Digests.of(file);
        return new ProcessedImage.Output(
                variant,
                file,
                info.format(),
                info.width(),
                info.height(),
                info.frames(),
                Files.size(file),
                d.sha256(),
                d.md5());
    }

    /** Formats browsers do not show are converted on upload: BMP to PNG, HEIC to JPEG. */
    static ImageFormat mainFormat(ImageFormat source) {
        return switch (source) {
            case BMP -> ImageFormat.PNG;
            case HEIC -> ImageFormat.JPEG;
            default -> source;
        };
    }

    /**
     * The format of a variant of a main file in {@code main}: the same, except that AVIF variants are WebP (encoding
     * AVIF is slow and every browser shows WebP) and animated GIF mediums are animated WebP (GIF encoding of
     * animations is slow and large); PNG when the engine cannot write the preferred one.
     */
    ImageFormat variantFormat(ImageFormat main, boolean animated) {
        ImageFormat preferred = switch (main) {
            case AVIF -> ImageFormat.WEBP;
            case GIF -> animated ? ImageFormat.WEBP : ImageFormat.GIF;
            default -> main;
        };
        if (engine.encodes().contains(preferred)) {
            return preferred;
        }
        if (main == ImageFormat.GIF && engine.encodes().contains(ImageFormat.GIF)) {
            return ImageFormat.GIF;
        }
        return main == ImageFormat.JPEG ? ImageFormat.JPEG : ImageFormat.PNG;
    }

    private static void deleteAll(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort; the temp sweeper removes stragglers
            }
        }
    }

    /** SHA-256 and MD5 of a file, lower-case hex. */
    record Digests(String sha256, String md5) {
        static Digests of(Path file) throws IOException {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                try (InputStream in =
                        new DigestInputStream(new DigestInputStream(Files.newInputStream(file), sha), md5)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                HexFormat hex = HexFormat.of();
                return new Digests(hex.formatHex(sha.digest()), hex.formatHex(md5.digest()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
