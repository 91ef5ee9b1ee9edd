package dev.tesela.imaging;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;

/**
 * An engine chosen on first use: commands that never touch an image (most CLI commands) do not load libvips or
 * scan ImageIO plugins. Thread-safe; the supplier runs at most once.
 */
final class LazyProcessor implements ImageProcessor {
    private final Supplier<ImageProcessor> choose;
    private volatile ImageProcessor engine;

    LazyProcessor(Supplier<ImageProcessor> choose) {
        this.choose = choose;
    }

    private ImageProcessor engine() {
        ImageProcessor e = engine;
        if (e == null) {
            synchronized (this) {
                e = engine;
                if (e == null) {
                    e = choose.get();
                    engine = e;
                }
            }
        }
        return e;
    }

    @Override
    public String description() {
        return engine().description();
    }

    @Override
    public Set<ImageFormat> decodes() {
        return engine().decodes();
    }

    @Override
    public Set<ImageFormat> encodes() {
        return engine().encodes();
    }

    @Override
    public Rendered render(Path source, ImageInfo info, RenderSpec spec, Path target) throws IOException {
        return engine().render(source, info, spec, target);
    }
}
