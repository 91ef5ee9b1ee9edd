package dev.tesela.media;

import java.io.IOException;
import java.io.InputStream;

/** Where the bytes of an upload come from: a file sent with the request, a base64 text, or a URL to fetch. */
public sealed interface UploadSource {

    /**
     * A file part of a multipart request.
     *
     * @param filename     the client's file name, may be null or hostile (only ever used sanitised)
     * @param declaredType the part's Content-Type, may be null
     */
    record FilePart(StreamOpener content, String filename, String declaredType) implements UploadSource {}

    /** Base64 text (whitespace tolerated, canonical encoding required; a {@code data:} URI prefix is refused). */
    record Base64Text(String text) implements UploadSource {}

    /** An http(s) URL, fetched only from public addresses. */
    record RemoteUrl(String url) implements UploadSource {}

    /** Opens the part's content; the caller closes the stream. */
    @FunctionalInterface
    interface StreamOpener {
        InputStream open() throws IOException;
    }
}
