package dev.tesela.imaging;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** What every engine checks before rendering: it handles both formats, and the source is a file. */
final class RenderPreconditions {
    private RenderPreconditions() {}

    static void require(ImageProcessor engine, Path source, ImageInfo info, RenderSpec spec)
            throws NoSuchFileException {
        if (!engine.decodes().contains(info.format()) || !engine.encodes().contains(spec.format())) {
            throw new IllegalArgumentException(
                    engine.description() + " cannot render " + info.format() + " to " + spec.format());
        }
        if (!Files.isRegularFile(source)) {
            throw new NoSuchFileException(source.toString());
        }
    }

    /** What {@code spec} makes, for a refusal's message: "a 320×320 thumbnail", "a copy 500 pixels wide", "a copy". */
    static String describe(RenderSpec spec) {
        return switch (spec.fit()) {
            case COVER -> "a " + spec.width() + "×" + spec.height() + " thumbnail";
            case WITHIN ->
                spec.height() == 0
                        ? "a copy " + spec.width() + " pixels wide"
                        : spec.width() >= PixelBudget.MAX_SIDE
                                ? "a copy " + spec.height() + " pixels tall"
                                : "a copy within " + spec.width() + "×" + spec.height();
            case NONE -> "a copy";
        };
    }
}
