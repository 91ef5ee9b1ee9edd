package dev.tesela.tenancy;

import dev.tesela.platform.config.TeselaConfig.ApiSignature;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks the {@code X-Signature} of a Tenants API request, by one of two schemes (docs/tenants-api.md):
 * <ul>
 *   <li>{@link ApiSignature#BODY} (the reference's): lower-case hex HMAC-SHA256 of the raw body under the secret;</li>
 *   <li>{@link ApiSignature#REQUEST}: the same HMAC of {@link #requestStringToSign}, which binds the method, the path
 *       with its query and the {@value #TIMESTAMP} header (Unix seconds, within {@link #WINDOW} of this server's
 *       clock) to the body, so a signature cannot be replayed on another route or later on.</li>
 * </ul>
 * Every refusal is UNAUTHORIZED with a message saying what is wrong. Immutable and thread-safe.
 */
final class ApiSignatures {
    static final String SIGNATURE = "X-Signature";
    static final String TIMESTAMP = "X-Signature-Timestamp";
    /** How far a request's timestamp may be from this server's clock, either way. */
    static final Duration WINDOW = Duration.ofSeconds(300);

    private static final Pattern UNIX_SECONDS = Pattern.compile("^[0-9]{1,12}$");

    private final byte[] secret;
    private final ApiSignature scheme;
    private final Clock clock;

    /** @param secret TESELA_TENANTS_API_REQUEST_SECRET as UTF-8 bytes (not copied: the caller keeps it unchanged) */
    ApiSignatures(byte[] secret, ApiSignature scheme, Clock clock) {
        this.secret = secret;
        this.scheme = scheme;
        this.clock = clock;
    }

    /**
     * @param method         the request's method, as sent
     * @param pathAndQuery   the request target as sent: the raw path, plus {@code ?} and the raw query when there is one
     * @param signature      the {@value #SIGNATURE} header, or null
     * @param timestamp      the {@value #TIMESTAMP} header, or null (read by the request scheme only)
     * @param body           the raw body, empty for none
     * @throws AppException UNAUTHORIZED when the signature is missing, stale or wrong
     */
    void check(String method, String pathAndQuery, String signature, String timestamp, byte[] body) {
        if (signature == null || signature.isBlank()) {
            throw unauthorized("Missing " + SIGNATURE + " header.");
        }
        byte[] signed = body;
        if (scheme == ApiSignature.REQUEST) {
            if (timestamp == null || timestamp.isBlank()) {
                throw unauthorized(
                        "Missing " + TIMESTAMP + " header: this server requires request signatures (method, path, "
                                + "timestamp and body; see docs/tenants-api.md).");
            }
            String seconds = timestamp.strip();
            if (!UNIX_SECONDS.matcher(seconds).matches()) {
                throw unauthorized("Invalid " + TIMESTAMP + " header: it must be the Unix time in whole seconds.");
            }
            if (Math.abs(clock.instant().getEpochSecond() - Long.parseLong(seconds)) > WINDOW.toSeconds()) {
                throw unauthorized("Request signature expired: " + TIMESTAMP + " is more than " + WINDOW.toSeconds()
                        + " seconds away from this server's clock.");
            }
            signed = requestStringToSign(method, pathAndQuery, seconds, body).getBytes(StandardCharsets.UTF_8);
        }
        String expected = HexFormat.of().formatHex(Crypto.hmacSha256(secret, signed));
        if (!Crypto.constantTimeEquals(expected, signature.strip().toLowerCase(Locale.ROOT))) {
            throw unauthorized("Invalid request signature.");
        }
    }

    /**
     * What the request scheme signs: four lines joined by {@code \n} (no final newline): the method in upper case,
     * the path with its query as sent, the timestamp, and the lower-case hex SHA-256 of the raw body.
     */
    static String requestStringToSign(String method, String pathAndQuery, String timestamp, byte[] body) {
        return method.toUpperCase(Locale.ROOT) + "\n" + pathAndQuery + "\n" + timestamp + "\n"
                + HexFormat.of().formatHex(sha256(body));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static AppException unauthorized(String message) {
        return new AppException(ErrorCode.UNAUTHORIZED, message);
    }
}
