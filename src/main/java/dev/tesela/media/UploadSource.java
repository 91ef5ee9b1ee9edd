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

    /**
     * Base64 text (whitespace tolerated, canonical encoding required; a {@code data:} URI prefix is refused), read
     * as a stream of ASCII bytes and decoded on the fly: it may be far larger than the heap should hold.
     */
    record Base64Text(StreamOpener text) implements UploadSource {
        /** Base64 text given as a (short) string. */
        public static Base64Text of(String text) {
            byte[] ascii = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            return new Base64Text(() -> new java.io.ByteArrayInputStream(ascii));
        }
    }

    /** An http(s) URL, fetched only from public addresses. */
    record RemoteUrl(String url) implements UploadSource {}

    /** Opens the part's content; the caller closes the stream. */
    @FunctionalInterface
    interface StreamOpener {
        InputStream open() throws IOException;
    }
}
