package dev.tesela.platform.web;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantResolver;
import dev.tesela.platform.error.AppException;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Optional;

/**
 * The only code that reads the Host header. Resolves the tenant and starts the request's {@link RequestContext}
 * (as a guest; the auth edge fills in the principal). An unknown host is a 404.
 */
public final class TenantEdge {
    private final TenantResolver resolver;
    private final Optional<String> clientIpHeader;

    public TenantEdge(TenantResolver resolver, TeselaConfig.Http http) {
        this.resolver = resolver;
        this.clientIpHeader = http.clientIpHeader();
    }

    public void handle(Context ctx) {
        String host = hostname(ctx.header("Host"));
        TenantContext tenant = resolver.resolve(host)
                .orElseThrow(() -> AppException.notFound("No site is served at this address."));
        String requestId = ctx.attribute(RequestIds.ATTRIBUTE);
        ctx.attribute(WebKeys.RC, new RequestContext(tenant, Principal.GUEST, requestId, clientIp(ctx)));
    }

    /** Host header without port, lower-cased; "" when absent. IPv6 literals keep their brackets. */
    static String hostname(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        return host;
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
