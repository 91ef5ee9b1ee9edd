package dev.tesela.platform.web;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Set;

/**
 * CSRF tokens bound to the visitor: for a signed-in user, to the session; for a guest, to a random
 * {@value WebKeys#CSRF_COOKIE} cookie. The token is an HMAC under the tenant's CSRF key, so no server state is
 * kept and a token from one tenant or one session is worthless in another. Every state-changing request must
 * carry it as form field {@value WebKeys#CSRF_FIELD} or header {@value WebKeys#CSRF_HEADER}, except the API,
 * which authenticates with keys rather than cookies.
 */
public final class Csrf {
    private static final Set<HandlerType> SAFE = Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);
    private final CookieWriter cookies;
    private final List<String> keyAuthenticatedPaths;

    /**
     * @param keyAuthenticatedPaths path prefixes of APIs that authenticate with keys, never cookies, and so need no
     *                              CSRF token (e.g. {@code /api/})
     */
    public Csrf(CookieWriter cookies, List<String> keyAuthenticatedPaths) {
        this.cookies = cookies;
        this.keyAuthenticatedPaths = List.copyOf(keyAuthenticatedPaths);
    }

    /** The token to embed in this request's forms. May set the guest binding cookie. */
    public String token(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        return sign(rc, binding(ctx, rc, true));
    }

    /** Before-handler: refuses a state-changing request without a valid token. */
    public void check(Context ctx) {
        if (SAFE.contains(ctx.method()) || keyAuthenticatedPaths.stream().anyMatch(ctx.path()::startsWith)) {
            return;
        }
        RequestContext rc = WebKeys.rc(ctx);
        String binding = binding(ctx, rc, false);
        String presented = ctx.header(WebKeys.CSRF_HEADER);
        if (presented == null && isForm(ctx)) {
            presented = ctx.formParam(WebKeys.CSRF_FIELD);
        }
        if (binding == null || presented == null || !Crypto.constantTimeEquals(presented, sign(rc, binding))) {
            throw new AppException(
                    ErrorCode.CSRF_REJECTED,
                    "This form has expired or did not come from this site. Reload the page and try again.");
        }
    }

    private String binding(Context ctx, RequestContext rc, boolean createIfMissing) {
        if (rc.principal() instanceof Principal.User u && u.sessionId() != null) {
            return "s:" + u.sessionId();
        }
        String guest = ctx.attribute(WebKeys.CSRF_COOKIE);
        if (guest == null) {
            guest = ctx.cookie(WebKeys.CSRF_COOKIE);
        }
        if (guest == null || guest.length() < 20 || guest.length() > 64) {
            if (!createIfMissing) {
                return null;
            }
            guest = Crypto.randomBase62(32);
            cookies.set(ctx, WebKeys.CSRF_COOKIE, guest, null);
            ctx.attribute(WebKeys.CSRF_COOKIE, guest);
        }
        return "g:" + guest;
    }

    private static String sign(RequestContext rc, String binding) {
        return Crypto.hmacBase64(rc.tenant().keys().csrf(), binding);
    }

    private static boolean isForm(Context ctx) {
        String type = ctx.contentType();
        return type != null
                && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data"));
    }
}
