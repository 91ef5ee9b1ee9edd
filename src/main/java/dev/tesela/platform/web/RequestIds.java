package dev.tesela.platform.web;

import io.javalin.http.Context;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Gives every request an id: the caller's {@value WebKeys#REQUEST_ID_HEADER} when it is a sane token (a proxy's),
 * else a new one. Echoed in the response header, put in the logging MDC as {@code rid}, shown on error pages.
 *
 * <p>Ids only correlate logs with requests: they grant nothing and a proxy may choose them, so new ones are 16
 * base-62 characters from {@link ThreadLocalRandom} (unique enough for logs; not secret), not from the shared,
 * synchronized SecureRandom, which took ~5 % of the CPU of serving a small file (bench/serving.sh).
 */
public final class RequestIds {
    static final String ATTRIBUTE = "tesela.requestId";
    private static final Pattern SANE = Pattern.compile("^[A-Za-z0-9._-]{8,64}$");
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private RequestIds() {}

    public static String assign(Context ctx) {
        String id = idFor(ctx.header(WebKeys.REQUEST_ID_HEADER));
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(WebKeys.REQUEST_ID_HEADER, id);
        MDC.put("rid", id);
        return id;
    }

    /** {@code requested} (the caller's header, may be null) when it is a sane id, else a new one. */
    static String idFor(String requested) {
        return requested != null && SANE.matcher(requested).matches() ? requested : newId();
    }

    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] out = new char[16];
        for (int i = 0; i < out.length; i++) {
            out[i] = BASE62.charAt(random.nextInt(BASE62.length()));
        }
        return new String(out);
    }
}
