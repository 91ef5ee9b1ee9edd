package dev.tesela.platform.web;

import dev.tesela.platform.security.Crypto;
import io.javalin.http.Context;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Gives every request an id: the caller's {@value WebKeys#REQUEST_ID_HEADER} when it is a sane token (a proxy's),
 * else a new one. Echoed in the response header, put in the logging MDC as {@code rid}, shown on error pages.
 */
public final class RequestIds {
    static final String ATTRIBUTE = "tesela.requestId";
    private static final Pattern SANE = Pattern.compile("^[A-Za-z0-9._-]{8,64}$");

    private RequestIds() {}

    public static String assign(Context ctx) {
        String id = ctx.header(WebKeys.REQUEST_ID_HEADER);
        if (id == null || !SANE.matcher(id).matches()) {
            id = Crypto.randomBase62(16);
        }
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(WebKeys.REQUEST_ID_HEADER, id);
        MDC.put("rid", id);
        return id;
    }
}
