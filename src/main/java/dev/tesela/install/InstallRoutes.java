package dev.tesela.install;

import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.account.AccountService;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.config.DeploymentContext;
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
import java.util.Map;

/**
 * The web installer and the gate in front of an uninstalled site. In the saas context there is no web installer:
 * sites are installed by the provider's tooling, and an uninstalled site answers 503.
 */
public final class InstallRoutes implements Routes {
    private final InstallService installs;
    private final AccountService accounts;
    private final Templates templates;
    private final LayoutFactory layouts;
    private final CookieWriter cookies;
    private final DeploymentContext context;

    public InstallRoutes(
            InstallService installs,
            AccountService accounts,
            Templates templates,
            LayoutFactory layouts,
            CookieWriter cookies,
            DeploymentContext context) {
        this.installs = installs;
        this.accounts = accounts;
        this.templates = templates;
        this.layouts = layouts;
        this.cookies = cookies;
        this.context = context;
    }

    @Override
    public void register(RoutesConfig routes) {
        if (context == DeploymentContext.SAAS) {
            return;
        }
        routes.get("/install", this::showInstaller);
        routes.post("/install", this::install);
    }

    /** Edge: sends every request for an uninstalled site to the installer (or a 503 in saas). */
    public void gate(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        if (installs.isInstalled(rc)) {
            return;
        }
        if (context == DeploymentContext.SAAS) {
            throw new AppException(ErrorCode.NOT_INSTALLED, "This site is being set up. Please come back soon.");
        }
        if (!ctx.path().equals("/install")) {
            if (ctx.method().name().equals("GET") || ctx.method().name().equals("HEAD")) {
                ctx.redirect("/install", HttpStatus.FOUND);
                ctx.skipRemainingHandlers();
            } else {
                throw new AppException(
                        ErrorCode.NOT_INSTALLED, "This site is not installed yet. Open /install to set it up.");
            }
        }
    }

    private void showInstaller(Context ctx) {
        if (installs.isInstalled(WebKeys.rc(ctx))) {
            ctx.redirect("/", HttpStatus.SEE_OTHER);
            return;
        }
        templates.render(ctx, "install.jte", new InstallPage(layouts.forInstaller(ctx), "", "", Map.of()));
    }

    private void install(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        String username = ctx.formParam("username");
        String email = ctx.formParam("email");
        String password = ctx.formParam("password");
        try {
            installs.install(rc, new InstallCommand(username, email, password));
        } catch (AppException e) {
            if (e.code() != ErrorCode.INVALID_INPUT) {
                throw e;
            }
            ctx.status(HttpStatus.BAD_REQUEST);
            templates.render(
                    ctx,
                    "install.jte",
                    new InstallPage(
                            layouts.forInstaller(ctx), nullToEmpty(username), nullToEmpty(email), e.fieldErrors()));
            return;
        }
        var signedIn = accounts.signIn(rc, new SignIn(username, password, false, ctx.header("User-Agent")));
        cookies.set(ctx, WebKeys.SESSION_COOKIE, signedIn.sessionToken(), null);
        ctx.redirect("/", HttpStatus.SEE_OTHER);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
