package dev.tesela.platform.web;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import io.javalin.http.Context;

/**
 * Names of the cookies and request attributes the edges share, and the one accessor handlers use to get the
 * request's {@link RequestContext}.
 */
public final class WebKeys {
    public static final String SESSION_COOKIE = "tsl_session";
    public static final String LOGIN_COOKIE = "tsl_remember";
    public static final String CSRF_COOKIE = "tsl_csrf";
    public static final String CSRF_FIELD = "csrf_token";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    static final String RC = "tesela.rc";

    private WebKeys() {}

    /** The request's context, as the edges built it. */
    public static RequestContext rc(Context ctx) {
        RequestContext rc = ctx.attribute(RC);
        if (rc == null) {
            throw new AppException(ErrorCode.INTERNAL, "Request context missing");
        }
        return rc;
    }

    /** Replaces the request's principal (the auth edge after signing in or out). */
    public static void setPrincipal(Context ctx, Principal principal) {
        ctx.attribute(RC, rc(ctx).withPrincipal(principal));
    }

    /**
     * The site's own base URL for links in responses ({@code https://host[:port]}, no trailing slash): the
     * configured scheme (TESELA_HTTPS) and the tenant's configured host name ({@link
     * dev.tesela.platform.context.TenantContext#hostname()}). Never the request's Host header: a client must not
     * be able to make the site hand out links to another host.
     */
    public static String baseUrl(Context ctx, boolean https) {
        return (https ? "https://" : "http://") + rc(ctx).tenant().hostname();
    }

    /**
     * The request's host name from its Host header, lower-cased and without port ("" when absent). For routes that
     * run before or without the tenant edge (installation and provider routes) and must answer only on one host.
     */
    public static String hostname(Context ctx) {
        return TenantEdge.hostname(ctx.header("Host"));
    }

    /** Null-safe context lookup for code that runs before the edges (error pages for unknown hosts). */
    public static RequestContext rcOrNull(Context ctx) {
        return ctx.attribute(RC);
    }
}
