package dev.tesela.media;

import dev.tesela.imaging.ImageFormat;
import dev.tesela.imaging.ImageMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of the process step: the main file and its variants as temp files, ready to be stored. Owns those
 * temp files: {@link #close()} deletes every one of them (the main may be the received file itself).
 */
record ProcessedImage(Output main, List<Output> variants, ImageMetadata metadata, String sourceSha256)
        implements AutoCloseable {

    /**
     * One file to store.
     *
     * @param variant null for the main file, else {@code thumb} or {@code medium}
     */
    record Output(
            String variant,
            Path file,
            ImageFormat format,
            int width,
            int height,
            int frames,
            long byteSize,
            String sha256,
            String md5) {}

    @Override
    public void close() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(main.file());
        variants.forEach(v -> files.add(v.file()));
        IOException failure = null;
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
