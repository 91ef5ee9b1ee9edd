package dev.tesela.platform.error;

/**
 * Every failure a client can see, with its HTTP status and the exit code the CLI uses for it. The public
 * message travels in the {@link AppException}; internal detail only goes to the log.
 */
public enum ErrorCode {
    BAD_REQUEST(400, 1),
    INVALID_INPUT(400, 1),
    UNAUTHORIZED(401, 1),
    CSRF_REJECTED(403, 1),
    FORBIDDEN(403, 1),
    NOT_FOUND(404, 1),
    CONFLICT(409, 1),
    ALREADY_INSTALLED(409, 5),
    NOT_INSTALLED(503, 3),
    SITE_DISABLED(503, 1),
    PAYLOAD_TOO_LARGE(413, 1),
    TOO_MANY_REQUESTS(429, 1),
    /** A plan or tenant limit is reached; the message names it. */
    LIMIT_REACHED(403, 1),
    UNAVAILABLE(503, 1),
    /** Temporarily over capacity; the response carries Retry-After. */
    BUSY(503, 1),
    INTERNAL(500, 1);

    private final int httpStatus;
    private final int exitCode;

    ErrorCode(int httpStatus, int exitCode) {
        this.httpStatus = httpStatus;
        this.exitCode = exitCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Stable lower-case name used in JSON error bodies. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
