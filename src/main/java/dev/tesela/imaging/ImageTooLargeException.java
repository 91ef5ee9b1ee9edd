package dev.tesela.imaging;

/**
 * An image refused because making an output of it would exceed the per-job {@link PixelBudget} or a side limit.
 * Thrown before anything is decoded. {@link #getMessage()} is the public message: it names the image's size and
 * the limit, and is safe to show to the uploader.
 */
public final class ImageTooLargeException extends RuntimeException {
    ImageTooLargeException(String message) {
        super(message, null, false, false);
    }
}
