package dev.tesela.platform.web;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Duration;

/** Writes Tesela's cookies with one policy: HttpOnly, SameSite=Lax, path /, Secure when the site is HTTPS. */
public final class CookieWriter {
    private final boolean secure;

    public CookieWriter(boolean secure) {
        this.secure = secure;
    }

    /** Sets a cookie; {@code maxAge} null means a browser-session cookie. */
    public void set(Context ctx, String name, String value, Duration maxAge) {
        Cookie cookie = new Cookie(
                name, value, "/", maxAge == null ? -1 : (int) maxAge.toSeconds(), secure, true, null, SameSite.LAX);
        ctx.cookie(cookie);
    }

    public void clear(Context ctx, String name) {
        ctx.cookie(new Cookie(name, "", "/", 0, secure, true, null, SameSite.LAX));
    }
}
