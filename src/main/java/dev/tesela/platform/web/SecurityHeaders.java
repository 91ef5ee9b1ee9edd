package dev.tesela.platform.web;

import io.javalin.http.Context;

/**
 * The security headers of every response. Pages (and every other route) get a Content-Security-Policy that runs
 * only the site's own script files (no inline script or event handler: the templates have none), may not be
 * framed, and deny powerful browser features. Stored files under {@code /images/} are the product: other sites embed
 * and hotlink them, so they get no framing or cross-origin headers, only {@code nosniff} (with the referrer policy
 * and, over HTTPS, HSTS).
 */
final class SecurityHeaders {
    static final String CONTENT_SECURITY_POLICY = String.join(
            "; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            // Upload previews are blob: URLs of the chosen files; data: covers small inline icons.
            "img-src 'self' data: blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'");
    static final String PERMISSIONS_POLICY = String.join(
            ", ",
            "camera=()",
            "microphone=()",
            "geolocation=()",
            "payment=()",
            "usb=()",
            "serial=()",
            "midi=()",
            "accelerometer=()",
            "gyroscope=()",
            "magnetometer=()",
            "display-capture=()");
    /** One year, subdomains included: set only when the site says it is served over HTTPS (TESELA_HTTPS). */
    static final String STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

    private SecurityHeaders() {}

    static void apply(Context ctx, boolean https, boolean storedFile) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "strict-origin-when-cross-origin");
        if (https) {
            ctx.header("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
        }
        if (!storedFile) {
            ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            ctx.header("X-Frame-Options", "DENY");
            ctx.header("Permissions-Policy", PERMISSIONS_POLICY);
        }
    }
}
