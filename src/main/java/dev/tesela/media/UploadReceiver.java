package dev.tesela.media;

import dev.tesela.platform.error.AppException;
import java.io.IOException;

/**
 * The "receive" step of an upload, whatever its source: a file part and base64 text are streamed (base64 decoded on
 * the way) and a URL is fetched from public addresses only ({@link UrlFetcher}), each into a temp file under the byte
 * cap with its hashes ({@link Receiver}). Whether the caller may have a URL fetched is checked before
 * ({@link UploadChecks#requireSourceAllowed}). The caller deletes the file. Thread-safe.
 */
final class UploadReceiver {
    private final Receiver receiver;
    private final UrlFetcher fetcher;

    UploadReceiver(Receiver receiver, UrlFetcher fetcher) {
        this.receiver = receiver;
        this.fetcher = fetcher;
    }

    /**
     * The upload's bytes in a temp file. INVALID_INPUT for no source or a connection that ended early,
     * PAYLOAD_TOO_LARGE beyond {@code maxBytes}; a refused upload leaves no temp file.
     */
    ReceivedFile receive(UploadSource source, long maxBytes) {
        try {
            return switch (source) {
                case null -> throw AppException.invalid("source", "No file was sent (field 'source').");
                case UploadSource.FilePart part ->
                    receiver.receive(part.content().open(), maxBytes, part.filename(), part.declaredType());
                case UploadSource.Base64Text text ->
                    receiver.receive(new Base64Decoding(text.text().open()), maxBytes, null, null);
                case UploadSource.RemoteUrl url -> fetcher.fetch(url.url(), maxBytes, receiver);
            };
        } catch (IOException e) {
            throw AppException.invalid("source", "The upload could not be read: the connection ended early.");
        }
    }
}
