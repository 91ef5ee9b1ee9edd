package dev.tesela.platform.error;

import java.util.Map;

/**
 * The one exception type services throw for an expected failure. {@code publicMessage} is safe to show to the
 * client; {@code fieldErrors} names bad form or query fields (field → message). Anything else that escapes a
 * handler is an internal error: logged with the request id, never shown.
 */
public final class AppException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, String> fieldErrors;

    public AppException(ErrorCode code, String publicMessage) {
        this(code, publicMessage, Map.of(), null);
    }

    public AppException(ErrorCode code, String publicMessage, Map<String, String> fieldErrors, Throwable cause) {
        super(publicMessage, cause);
        this.code = code;
        this.fieldErrors = Map.copyOf(fieldErrors);
    }

    public ErrorCode code() {
        return code;
    }

    public String publicMessage() {
        return getMessage();
    }

    public Map<String, String> fieldErrors() {
        return fieldErrors;
    }

    public static AppException invalid(Map<String, String> fieldErrors) {
        String first = fieldErrors.values().iterator().next();
        return new AppException(ErrorCode.INVALID_INPUT, first, fieldErrors, null);
    }

    public static AppException invalid(String field, String message) {
        return invalid(Map.of(field, message));
    }

    public static AppException notFound(String message) {
        return new AppException(ErrorCode.NOT_FOUND, message);
    }

    public static AppException forbidden(String message) {
        return new AppException(ErrorCode.FORBIDDEN, message);
    }
}
