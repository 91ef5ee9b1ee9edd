package dev.tesela.imaging;

/** The engine could not decode a source that passed the header probe (corrupt or truncated data). */
public final class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }

    public ImageDecodeException(String message) {
        super(message);
    }
}
