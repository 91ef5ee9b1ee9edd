package dev.tesela.imaging;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Two engines behind the port: {@code primary} renders everything it can read and write; {@code fallback} takes the
 * rest (with libvips as primary and Java as fallback: BMP sources, which libvips reads only through ImageMagick).
 * {@link #decodes()} and {@link #encodes()} are the unions. A pair neither engine can do alone (BMP to AVIF) goes
 * through a lossless PNG: the engine that reads the source sizes it into a hidden temporary PNG next to the target,
 * the engine that writes the target converts that (fit NONE), and the PNG is deleted. Thread-safe if both engines are.
 */
final class RoutingProcessor implements ImageProcessor {
    private final ImageProcessor primary;
    private final ImageProcessor fallback;
    private final Set<ImageFormat> decodes;
    private final Set<ImageFormat> encodes;

    RoutingProcessor(ImageProcessor primary, ImageProcessor fallback) {
        this.primary = primary;
        this.fallback = fallback;
        this.decodes = union(primary.decodes(), fallback.decodes());
        this.encodes = union(primary.encodes(), fallback.encodes());
    }

    /** e.g. {@code libvips 8.14.1 (BMP via java (ImageIO + Thumbnailator))}. */
    @Override
    public String description() {
        EnumSet<ImageFormat> fallbackOnly = EnumSet.noneOf(ImageFormat.class);
        fallbackOnly.addAll(fallback.decodes());
        fallbackOnly.removeAll(primary.decodes());
        if (fallbackOnly.isEmpty()) {
            return primary.description();
        }
        return primary.description() + " ("
                + fallbackOnly.stream().map(ImageFormat::name).collect(Collectors.joining(", "))
                + " via " + fallback.description() + ")";
    }

    @Override
    public Set<ImageFormat> decodes() {
        return decodes;
    }

    @Override
    public Set<ImageFormat> encodes() {
        return encodes;
    }

    /** The single engine that reads {@code source} and writes {@code target}, preferring the primary. */
    Optional<ImageProcessor> engineFor(ImageFormat source, ImageFormat target) {
        for (ImageProcessor engine : new ImageProcessor[] {primary, fallback}) {
            if (engine.decodes().contains(source) && engine.encodes().contains(target)) {
                return Optional.of(engine);
            }
        }
        return Optional.empty();
    }

    @Override
    public Rendered render(Path source, ImageInfo info, RenderSpec spec, Path target) throws IOException {
        Optional<ImageProcessor> single = engineFor(info.format(), spec.format());
        if (single.isPresent()) {
            return single.get().render(source, info, spec, target);
        }
        ImageProcessor reader = engineFor(info.format(), ImageFormat.PNG)
                .orElseThrow(() -> new IllegalArgumentException("no engine reads " + info.format()));
        ImageProcessor writer = engineFor(ImageFormat.PNG, spec.format())
                .orElseThrow(() -> new IllegalArgumentException("no engine writes " + spec.format()));
        try (PendingFile intermediate = PendingFile.beside(target, ImageFormat.PNG.extension())) {
            RenderSpec sizing =
                    new RenderSpec(spec.fit(), spec.width(), spec.height(), ImageFormat.PNG, false, spec.quality());
            Rendered sized = reader.render(source, info, sizing, intermediate.path());
            RenderSpec encoding = new RenderSpec(RenderSpec.Fit.NONE, 0, 0, spec.format(), false, spec.quality());
            return writer.render(
                    intermediate.path(),
                    new ImageInfo(ImageFormat.PNG, sized.width(), sized.height(), 1),
                    encoding,
                    target);
        }
    }

    private static Set<ImageFormat> union(Set<ImageFormat> a, Set<ImageFormat> b) {
        EnumSet<ImageFormat> all = EnumSet.noneOf(ImageFormat.class);
        all.addAll(a);
        all.addAll(b);
        return Collections.unmodifiableSet(all);
    }
}
