package dev.tesela.imaging;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** What every engine checks before rendering: it handles both formats, and the source is a file. */
final class RenderPreconditions {
    private RenderPreconditions() {}

    static void require(ImageProcessor engine, Path source, ImageInfo info, RenderSpec spec) throws NoSuchFileException {
        if (!engine.decodes().contains(info.format()) || !engine.encodes().contains(spec.format())) {
            throw new IllegalArgumentException(engine.description() + " cannot render " + info.format() + " to " + spec.format());
        }
        if (!Files.isRegularFile(source)) {
            throw new NoSuchFileException(source.toString());
        }
    }
}
