package dev.tesela.platform.web;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import io.javalin.http.Context;
import java.util.function.Function;

/** Builds the {@link Layout} of a page for the current request. */
public final class LayoutFactory {
    private final Function<RequestContext, String> siteName;
    private final Csrf csrf;

    /** @param siteName the tenant's site name (a settings lookup), called once per page */
    public LayoutFactory(Function<RequestContext, String> siteName, Csrf csrf) {
        this.siteName = siteName;
        this.csrf = csrf;
    }

    public Layout forPage(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        String username = rc.principal() instanceof Principal.User u ? u.username() : null;
        return new Layout(
                siteName.apply(rc),
                username,
                rc.principal().isAdmin() && username != null,
                csrf.token(ctx),
                rc.requestId(),
                true);
    }

    /** The installer's layout: no navigation, and the default site name (no settings exist yet). */
    public Layout forInstaller(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        return new Layout("Tesela", null, false, csrf.token(ctx), rc.requestId(), false);
    }

    /** A layout that never fails: error pages render even when the tenant or database is unavailable. */
    Layout forError(Context ctx) {
        RequestContext rc = WebKeys.rcOrNull(ctx);
        if (rc == null) {
            return withoutSite(ctx);
        }
        try {
            return forPage(ctx);
        } catch (RuntimeException unavailable) {
            return withoutSite(ctx);
        }
    }

    /** The plain layout of an error page that must not look anything up (a dependency is down): no navigation. */
    Layout withoutSite(Context ctx) {
        String requestId = ctx.attribute(RequestIds.ATTRIBUTE);
        return new Layout("Tesela", null, false, "", requestId, false);
    }
}
