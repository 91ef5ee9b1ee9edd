package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.config.TeselaConfig.ApiSignature;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The two signature schemes against the worked examples of docs/tenants-api.md, whose signatures were computed with
 * openssl (not with Tesela), and the exact edges of the request scheme's 300-second window, on a fixed clock.
 */
class ApiSignaturesTest {
    private static final byte[] SECRET = "request-signing-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY =
            "{\"id\":\"acme\",\"hostname\":\"acme.example.com\",\"is_enabled\":true}".getBytes(StandardCharsets.UTF_8);
    private static final long DOC_TIME = 1764633600L;
    /** From docs/tenants-api.md: printf '%s\n%s\n%s\n%s' POST /_/api/4/tenants 1764633600 "$body_hash" | openssl dgst -sha256 -hmac … */
    private static final String DOC_REQUEST_SIGNATURE =
            "7eb0521de7d9b60a8e87ed5cbd06f3c288a1c061e716bb9234f11f77e5c0bc6d";
    /** From docs/tenants-api.md: printf %s "$body" | openssl dgst -sha256 -hmac … */
    private static final String DOC_BODY_SIGNATURE = "73b3c1e5928f2694be443499b19ac91948613360a203db893fcf56b40fc5a316";

    private static ApiSignatures at(ApiSignature scheme, long epochSecond) {
        return new ApiSignatures(SECRET, scheme, Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    @Test
    void theDocumentedExamplesAreAcceptedByTheirSchemeOnly() {
        assertDoesNotThrow(() ->
                at(ApiSignature.BODY, DOC_TIME).check("POST", "/_/api/4/tenants", DOC_BODY_SIGNATURE, null, BODY));
        assertDoesNotThrow(
                () -> at(ApiSignature.BODY, DOC_TIME)
                        .check("DELETE", "/_/api/4/tenants/x", DOC_BODY_SIGNATURE.toUpperCase(), null, BODY),
                "the reference scheme signs the body only (hex in any case)");
        assertDoesNotThrow(() -> at(ApiSignature.REQUEST, DOC_TIME)
                .check("POST", "/_/api/4/tenants", DOC_REQUEST_SIGNATURE, Long.toString(DOC_TIME), BODY));
        assertEquals(
                "Invalid request signature.",
                refusal(() -> at(ApiSignature.REQUEST, DOC_TIME)
                        .check("POST", "/_/api/4/tenants", DOC_BODY_SIGNATURE, Long.toString(DOC_TIME), BODY)));
        assertTrue(refusal(() -> at(ApiSignature.REQUEST, DOC_TIME)
                        .check("POST", "/_/api/4/tenants", DOC_BODY_SIGNATURE, null, BODY))
                .startsWith("Missing X-Signature-Timestamp header"));
        assertEquals(
                "Invalid request signature.",
                refusal(() -> at(ApiSignature.BODY, DOC_TIME)
                        .check("POST", "/_/api/4/tenants", DOC_REQUEST_SIGNATURE, Long.toString(DOC_TIME), BODY)));
    }

    @Test
    void theWindowIsThreeHundredSecondsEitherWayInclusive() {
        for (long skew : new long[] {-300, 300}) {
            assertDoesNotThrow(
                    () -> at(ApiSignature.REQUEST, DOC_TIME + skew)
                            .check("POST", "/_/api/4/tenants", DOC_REQUEST_SIGNATURE, Long.toString(DOC_TIME), BODY),
                    "skew " + skew);
        }
        for (long skew : new long[] {-301, 301}) {
            assertTrue(
                    refusal(() -> at(ApiSignature.REQUEST, DOC_TIME + skew)
                                    .check(
                                            "POST",
                                            "/_/api/4/tenants",
                                            DOC_REQUEST_SIGNATURE,
                                            Long.toString(DOC_TIME),
                                            BODY))
                            .startsWith("Request signature expired"),
                    "skew " + skew);
        }
        for (String malformed : new String[] {"-1764633600", "1764633600.0", "1e9", "", "   "}) {
            String message = refusal(() -> at(ApiSignature.REQUEST, DOC_TIME)
                    .check("POST", "/_/api/4/tenants", DOC_REQUEST_SIGNATURE, malformed, BODY));
            assertTrue(
                    message.startsWith("Invalid X-Signature-Timestamp")
                            || message.startsWith("Missing X-Signature-Timestamp"),
                    malformed + ": " + message);
        }
    }

    private static String refusal(org.junit.jupiter.api.function.Executable check) {
        AppException e = assertThrows(AppException.class, check);
        assertEquals(ErrorCode.UNAUTHORIZED, e.code());
        return e.publicMessage();
    }
}
