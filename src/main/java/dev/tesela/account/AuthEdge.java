package dev.tesela.account;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.web.CookieWriter;
import dev.tesela.platform.web.WebKeys;
import io.javalin.http.Context;

/**
 * Turns the request's credentials into a principal: the {@code X-API-Key} header, else the session cookie, else the
 * "remember me" login cookie (which starts a fresh session). Credentials that fail leave the caller a guest and
 * are cleared from the browser.
 */
public final class AuthEdge {
    private final AccountService accounts;
    private final CookieWriter cookies;

    public AuthEdge(AccountService accounts, CookieWriter cookies) {
        this.accounts = accounts;
        this.cookies = cookies;
    }

    public void handle(Context ctx) {
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
}
