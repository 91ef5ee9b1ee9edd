package dev.tesela.platform.web;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantResolver;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Optional;

/**
 * The only code that reads the Host header. Resolves the tenant and starts the request's {@link RequestContext}
 * (as a guest; the auth edge fills in the principal). An unknown host is a 404; a disabled tenant's host a 503
 * page that serves nothing of the tenant.
 */
public final class TenantEdge {
    static final String FORWARDED_HOST = "X-Forwarded-Host";
    static final String ROUTER_SECRET = "X-Router-Secret";
    private final TenantResolver resolver;
    private final Optional<String> clientIpHeader;
    private final Optional<String> routerSecret;

    public TenantEdge(TenantResolver resolver, TeselaConfig.Http http, Optional<String> routerSecret) {
        this.resolver = resolver;
        this.clientIpHeader = http.clientIpHeader();
        this.routerSecret = routerSecret;
    }

    /**
     * The Host header, or X-Forwarded-Host when the request carries the router secret (a routing proxy that
     * rewrote the host). Without the secret, a forwarded host is ignored: clients cannot pick a tenant with it.
     */
    private String trustedHostHeader(Context ctx) {
        return trustedHost(ctx.header("Host"), ctx.header(FORWARDED_HOST), ctx.header(ROUTER_SECRET));
    }

    private String trustedHost(String host, String forwarded, String presentedSecret) {
        if (routerSecret.isPresent()
                && forwarded != null
                && Crypto.constantTimeEquals(routerSecret.get(), presentedSecret)) {
            return forwarded.split(",")[0];
        }
        return host;
    }

    /**
     * For the direct file path ({@link DirectFilePath}, Jetty's core API): the tenant that the same headers resolve
     * to when it is served (found and enabled), else null, and the caller leaves the request to the full path, which
     * answers an unknown, disabled or unavailable site with its page through {@link #handle}.
     */
    TenantContext servedTenant(org.eclipse.jetty.http.HttpFields headers) {
        String host = hostname(trustedHost(
                headers.get(org.eclipse.jetty.http.HttpHeader.HOST),
                headers.get(FORWARDED_HOST),
                headers.get(ROUTER_SECRET)));
        return resolver.resolve(host) instanceof TenantResolver.Resolution.Found found ? found.tenant() : null;
    }

    public void handle(Context ctx) {
        String host = hostname(trustedHostHeader(ctx));
        TenantContext tenant = switch (resolver.resolve(host)) {
            case TenantResolver.Resolution.Found found -> found.tenant();
            case TenantResolver.Resolution.Disabled disabled ->
                throw new AppException(ErrorCode.SITE_DISABLED, "This site is currently disabled.");
            case TenantResolver.Resolution.Unavailable unavailable ->
                throw new AppException(ErrorCode.UNAVAILABLE, "This site is temporarily unavailable.");
            case TenantResolver.Resolution.Unknown unknown ->
                throw AppException.notFound("No site is served at this address.");
        };
        String requestId = ctx.attribute(RequestIds.ATTRIBUTE);
        ctx.attribute(WebKeys.RC, new RequestContext(tenant, Principal.GUEST, requestId, clientIp(ctx)));
    }

    /**
     * Host header without port, lower-cased, without the trailing dot of a fully qualified name
     * ({@code images.example.com.} is {@code images.example.com}); "" when absent. IPv6 literals keep their brackets.
     */
    static String hostname(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private String clientIp(Context ctx) {
        if (clientIpHeader.isPresent()) {
            String forwarded = ctx.header(clientIpHeader.get());
            if (forwarded != null && !forwarded.isBlank()) {
                String first = forwarded.split(",")[0].trim();
                if (first.length() <= 64) {
                    return first;
                }
            }
        }
        return ctx.ip();
    }
}
