package dev.tesela.account;

import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.web.CookieWriter;
import dev.tesela.platform.web.LayoutFactory;
import dev.tesela.platform.web.Routes;
import dev.tesela.platform.web.Templates;
import dev.tesela.platform.web.WebKeys;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Duration;

/** Sign-in and sign-out pages. */
public final class AccountRoutes implements Routes {
    private final AccountService accounts;
    private final Templates templates;
    private final LayoutFactory layouts;
    private final CookieWriter cookies;
    private final Duration loginCookieLifetime;

    public AccountRoutes(
            AccountService accounts,
            Templates templates,
            LayoutFactory layouts,
            CookieWriter cookies,
            Duration loginCookieLifetime) {
        this.accounts = accounts;
        this.templates = templates;
        this.layouts = layouts;
        this.cookies = cookies;
        this.loginCookieLifetime = loginCookieLifetime;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/login", this::showSignIn);
        routes.post("/login", this::signIn);
        routes.post("/logout", this::signOut);
    }

    private void showSignIn(Context ctx) {
        if (WebKeys.rc(ctx).principal() instanceof Principal.User) {
            ctx.redirect("/", HttpStatus.SEE_OTHER);
            return;
        }
        templates.render(ctx, "signin.jte", new SignInPage(layouts.forPage(ctx), "", null));
    }

    private void signIn(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        String login = ctx.formParam("login");
        try {
            var signedIn = accounts.signIn(
                    rc,
                    new SignIn(
                            login,
                            ctx.formParam("password"),
                            "on".equals(ctx.formParam("remember")) || "1".equals(ctx.formParam("remember")),
                            ctx.header("User-Agent")));
            cookies.set(ctx, WebKeys.SESSION_COOKIE, signedIn.sessionToken(), null);
            signedIn.loginCookie()
                    .ifPresent(value -> cookies.set(ctx, WebKeys.LOGIN_COOKIE, value, loginCookieLifetime));
            ctx.redirect("/", HttpStatus.SEE_OTHER);
        } catch (AppException e) {
            if (e.code() != ErrorCode.UNAUTHORIZED
                    && e.code() != ErrorCode.TOO_MANY_REQUESTS
                    && e.code() != ErrorCode.FORBIDDEN) {
                throw e;
            }
            ctx.status(e.code().httpStatus());
            templates.render(
                    ctx,
                    "signin.jte",
                    new SignInPage(layouts.forPage(ctx), login == null ? "" : login, e.publicMessage()));
        }
    }

    private void signOut(Context ctx) {
        accounts.signOut(WebKeys.rc(ctx), ctx.cookie(WebKeys.SESSION_COOKIE), ctx.cookie(WebKeys.LOGIN_COOKIE));
        cookies.clear(ctx, WebKeys.SESSION_COOKIE);
        cookies.clear(ctx, WebKeys.LOGIN_COOKIE);
        ctx.redirect("/", HttpStatus.SEE_OTHER);
    }
}
