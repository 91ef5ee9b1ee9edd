package dev.tesela.account;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.SiteSettings;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.web.CookieWriter;
import dev.tesela.platform.web.WebKeys;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * Turns the request's credentials into a principal, once per request: the one place credentials are checked.
 * Pages: the {@code X-API-Key} header, else the session cookie, else the "remember me" login cookie (which starts a
 * fresh session); credentials that fail leave the caller a guest and are cleared from the browser. Key-authenticated
 * paths (API v1): keys only, never cookies (so those paths need no CSRF token); a key in the {@code X-API-Key} header
 * or the {@code key} query parameter is checked here, before anything reads the body, and what it was worth is left
 * for the API ({@link #keyCheck}); a key sent only inside the body is checked by the API, after it read the body,
 * through {@link #authenticateKey}.
 */
public final class AuthEdge {
    private static final String KEY_CHECK = "tesela.keyCheck";
    private final AccountService accounts;
    private final CookieWriter cookies;
    private final List<String> keyAuthenticatedPaths;

    /** @param keyAuthenticatedPaths path prefixes that authenticate with API keys only (e.g. {@code /api/}) */
    public AuthEdge(AccountService accounts, CookieWriter cookies, List<String> keyAuthenticatedPaths) {
        this.accounts = accounts;
        this.cookies = cookies;
        this.keyAuthenticatedPaths = List.copyOf(keyAuthenticatedPaths);
    }

    /** What the API key a request sent outside its body was worth. */
    public enum KeyCheck {
        /** No key in the header or the query (one may come in the body). */
        NONE,
        /** A user's key, or the site's guest key while guest API uploads are on: the principal is set. */
        ACCEPTED,
        /** A key that opens nothing: the caller stays a guest. */
        REFUSED
    }

    /** What this edge found of the request's key outside its body, on a key-authenticated path. */
    public static KeyCheck keyCheck(Context ctx) {
        KeyCheck check = ctx.attribute(KEY_CHECK);
        return check == null ? KeyCheck.NONE : check;
    }

    public void handle(Context ctx) {
        if (keyAuthenticatedPaths.stream().anyMatch(ctx.path()::startsWith)) {
            String key = firstPresent(ctx.header("X-API-Key"), ctx.queryParam("key"));
            if (key != null) {
                ctx.attribute(KEY_CHECK, authenticateKey(ctx, key) ? KeyCheck.ACCEPTED : KeyCheck.REFUSED);
            }
            return;
        }
        RequestContext rc = WebKeys.rc(ctx);
        String userAgent = ctx.header("User-Agent");
        String apiKey = ctx.header("X-API-Key");
        if (apiKey != null) {
            accounts.authenticateApiKey(rc.tenant(), apiKey).ifPresent(user -> WebKeys.setPrincipal(ctx, user));
            return;
        }
        String session = ctx.cookie(WebKeys.SESSION_COOKIE);
        if (session != null) {
            var user = accounts.authenticateSession(rc.tenant(), session, rc.clientIp(), userAgent);
            if (user.isPresent()) {
                WebKeys.setPrincipal(ctx, user.get());
                return;
            }
            cookies.clear(ctx, WebKeys.SESSION_COOKIE);
        }
        String remember = ctx.cookie(WebKeys.LOGIN_COOKIE);
        if (remember != null) {
            var resumed = accounts.resumeFromLoginCookie(rc, remember, userAgent);
            if (resumed.isEmpty()) {
                cookies.clear(ctx, WebKeys.LOGIN_COOKIE);
                return;
            }
            String token = resumed.get().sessionToken();
            cookies.set(ctx, WebKeys.SESSION_COOKIE, token, null);
            accounts.authenticateSession(rc.tenant(), token, rc.clientIp(), userAgent)
                    .ifPresent(user -> WebKeys.setPrincipal(ctx, user));
        }
    }

    /**
     * Checks an API key of a key-authenticated request and, when it opens something, makes its principal the
     * request's: a user's key gives that user; the site's guest key, while the administrator has guest API uploads on,
     * gives a guest. Returns false (principal unchanged) for a key that opens nothing. Call once per request: this
     * edge does for a key outside the body, the API for one inside it.
     */
    public boolean authenticateKey(Context ctx, String key) {
        Optional<Principal> principal = resolve(WebKeys.rc(ctx), key);
        principal.ifPresent(p -> WebKeys.setPrincipal(ctx, p));
        return principal.isPresent();
    }

    private Optional<Principal> resolve(RequestContext rc, String key) {
        Optional<Principal.User> user = accounts.authenticateApiKey(rc.tenant(), key);
        if (user.isPresent()) {
            return Optional.of(user.get());
        }
        SiteSettings site = rc.tenant().settings();
        String guestKey = site.text("api_v1_key");
        if (site.flag("enable_api_guest") && !guestKey.isEmpty() && Crypto.constantTimeEquals(guestKey, key)) {
            return Optional.of(Principal.GUEST);
        }
        return Optional.empty();
    }

    /** {@code header} unless it is absent or blank, else {@code query} unless it is absent or blank, else null. */
    private static String firstPresent(String header, String query) {
        if (header != null && !header.isBlank()) {
            return header;
        }
        return query == null || query.isBlank() ? null : query;
    }
}
