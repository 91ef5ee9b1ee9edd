package dev.tesela.imaging;

/**
 * A file refused by the header probe or the metadata stripper. {@link #getMessage()} is the public message (safe to
 * show to the uploader, one per {@link Reason}); {@link #detail()} says what exactly was wrong, for logs only.
 */
public final class UnsupportedImageException extends Exception {
    /** Why the file was refused. */
    public enum Reason {
        /** The bytes are not one of the supported formats (wrong magic, unknown ISOBMFF brand, ...). */
        NOT_AN_IMAGE("The file is not a supported image (JPEG, PNG, GIF, WebP, BMP, AVIF, HEIC)."),
        /** The magic bytes name a supported format but the header is truncated or inconsistent. */
        DAMAGED("The image file is damaged: its header is incomplete or invalid.");

        private final String publicMessage;

        Reason(String publicMessage) {
            this.publicMessage = publicMessage;
        }

        public String publicMessage() {
            return publicMessage;
        }
    }

    private final Reason reason;
    private final String detail;

    public UnsupportedImageException(Reason reason, String detail) {
        super(reason.publicMessage(), null, false, false);
        this.reason = reason;
        this.detail = detail == null ? "" : detail;
    }

    static UnsupportedImageException damaged(String detail) {
        return new UnsupportedImageException(Reason.DAMAGED, detail);
    }

    static UnsupportedImageException notAnImage(String detail) {
        return new UnsupportedImageException(Reason.NOT_AN_IMAGE, detail);
    }

    public Reason reason() {
        return reason;
    }

    /** Internal detail for logs (never shown to users); empty when there is none. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return "UnsupportedImageException[" + reason + "]: " + detail;
    }
}
