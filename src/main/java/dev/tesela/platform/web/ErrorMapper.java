package dev.tesela.platform.web;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.error.Outages;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place failures become responses: a JSON body for API and JSON clients, an HTML page for browsers.
 * Internal errors are logged with the request id and shown only as a generic message plus that id.
 */
public final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);
    private final Templates templates;
    private final LayoutFactory layouts;
    /** System.nanoTime() of the latest outage logged; far in the past at first. */
    private final java.util.concurrent.atomic.AtomicLong lastOutageLog =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - 2_000_000_000L);

    public ErrorMapper(Templates templates, LayoutFactory layouts) {
        this.templates = templates;
        this.layouts = layouts;
    }

    public void handle(Exception e, Context ctx) {
        switch (e) {
            case AppException app -> respond(ctx, app.code(), app.publicMessage(), app.fieldErrors());
            // Jetty's own refusals while a handler reads a body (a body under the minimum data rate: 408).
            case org.eclipse.jetty.http.BadMessageException jetty ->
                respond(
                        ctx,
                        codeFor(jetty.getCode()),
                        jetty.getCode() == 408
                                ? "The request body arrived too slowly; the connection was cut off."
                                : "The request could not be read.",
                        Map.of());
            case HttpResponseException http -> {
                ErrorCode code = codeFor(http.getStatus());
                respond(
                        ctx,
                        code,
                        code == ErrorCode.NOT_FOUND ? "There is nothing at this address." : http.getMessage(),
                        Map.of());
            }
            default -> {
                var outage = Outages.classify(e);
                if (outage.isPresent()) {
                    // Expected while a dependency is down or the pool is exhausted: one line, no stack trace, at
                    // most one a second (an outage under load would otherwise write a line per request).
                    long now = System.nanoTime();
                    long last = lastOutageLog.get();
                    if (now - last >= 1_000_000_000L && lastOutageLog.compareAndSet(last, now)) {
                        log.warn(
                                "503 on {} {} (at most one such line a second): {}",
                                ctx.method(),
                                ctx.path(),
                                rootMessage(e));
                    }
                    respond(ctx, outage.get().code(), outage.get().publicMessage(), Map.of(), false);
                    return;
                }
                log.error("Unhandled error on {} {}", ctx.method(), ctx.path(), e);
                respond(ctx, ErrorCode.INTERNAL, "Something went wrong on our side. The error was logged.", Map.of());
            }
        }
    }

    public void respond(Context ctx, ErrorCode code, String message, Map<String, String> fields) {
        respond(ctx, code, message, fields, true);
    }

    /**
     * @param siteLayout whether the HTML page may show the site's own layout (its name is a settings lookup); false
     *                   while a dependency is down, so that rendering the error does not wait on it once more
     */
    private void respond(Context ctx, ErrorCode code, String message, Map<String, String> fields, boolean siteLayout) {
        ctx.status(code.httpStatus());
        if (code == ErrorCode.BUSY) {
            ctx.header("Retry-After", "5");
        }
        String requestId = ctx.attribute(RequestIds.ATTRIBUTE);
        if (wantsJson(ctx)) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", code.key());
            error.put("message", message);
            if (!fields.isEmpty()) {
                error.put("fields", fields);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status_code", code.httpStatus());
            body.put("error", error);
            body.put("request_id", requestId);
            ctx.json(body);
        } else {
            Layout layout = siteLayout ? layouts.forError(ctx) : layouts.withoutSite(ctx);
            templates.render(ctx, "error.jte", new ErrorPage(layout, code.httpStatus(), title(code), message));
        }
    }

    /** The innermost cause's class and message, for the log (never shown to the client). */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    static boolean wantsJson(Context ctx) {
        if (ctx.path().startsWith("/api/") || ctx.path().startsWith("/_/api/")) {
            return true; // API v1 and the Tenants API answer JSON whatever the client accepts
        }
        String accept = ctx.header("Accept");
        return accept != null && accept.contains("application/json") && !accept.contains("text/html");
    }

    private static String title(ErrorCode code) {
        return switch (code) {
            case NOT_FOUND -> "Not found";
            case UNAUTHORIZED -> "Sign-in required";
            case FORBIDDEN, CSRF_REJECTED, LIMIT_REACHED -> "Not allowed";
            case TOO_MANY_REQUESTS -> "Slow down";
            case INVALID_INPUT, BAD_REQUEST, PAYLOAD_TOO_LARGE -> "That did not work";
            case CONFLICT, ALREADY_INSTALLED -> "Already there";
            case NOT_INSTALLED, UNAVAILABLE, SITE_DISABLED, BUSY -> "Unavailable";
            case INTERNAL -> "Something went wrong";
        };
    }

    private static ErrorCode codeFor(int status) {
        return switch (status) {
            case 400 -> ErrorCode.BAD_REQUEST;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404, 405 -> ErrorCode.NOT_FOUND;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 429 -> ErrorCode.TOO_MANY_REQUESTS;
            case 503 -> ErrorCode.UNAVAILABLE;
            default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
        };
    }
}
