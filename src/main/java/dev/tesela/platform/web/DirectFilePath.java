package dev.tesela.platform.web;

import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.metrics.Metrics;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The direct path of stored files: a Jetty core handler in front of the servlet layer that answers the common GET
 * or HEAD of {@code /images/<key>} (a served tenant's file held in memory: 200, 206 or 304) without the servlet
 * request, Javalin's context, its route table and its before/after handlers, which took about half of the CPU of
 * such a request (bench/serving.sh). It does what those handlers do for this route: the request id, the security
 * headers of stored files, the tenant from the Host header ({@link TenantEdge}), the request metrics under the
 * route {@value #ROUTE}. Every other request, and every one of these it does not answer (a body, a percent-escape in
 * the path, a host that is not a served tenant, whatever {@link DirectFiles} leaves), goes on to the full path
 * untouched. Thread-safe.
 */
final class DirectFilePath extends Handler.Wrapper {
    /** The route the full path registers for the same requests, under which metrics count them. */
    static final String ROUTE = WebServer.FILES_PATH + "<key>";

    private static final HttpField NOSNIFF = new PreEncodedHttpField("X-Content-Type-Options", "nosniff");
    private static final HttpField REFERRER_POLICY =
            new PreEncodedHttpField("Referrer-Policy", "strict-origin-when-cross-origin");
    private static final HttpField HSTS =
            new PreEncodedHttpField("Strict-Transport-Security", SecurityHeaders.STRICT_TRANSPORT_SECURITY);

    private final DirectFiles files;
    private final TenantEdge tenantEdge;
    private final boolean https;
    private final Metrics metrics;
    private final LongAdder answered = new LongAdder();
    /** GET 200, 206, 304, then HEAD 200, 206, 304. */
    private final AtomicReferenceArray<Metrics.RequestSeries> series = new AtomicReferenceArray<>(6);

    DirectFilePath(DirectFiles files, TenantEdge tenantEdge, boolean https, Metrics metrics) {
        this.files = files;
        this.tenantEdge = tenantEdge;
        this.https = https;
        this.metrics = metrics;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long started = System.nanoTime();
        String method = request.getMethod();
        boolean head = HttpMethod.HEAD.is(method);
        String path = request.getHttpURI().getPath();
        if (!(head || HttpMethod.GET.is(method))
                || path == null
                || !path.startsWith(WebServer.FILES_PATH)
                || path.indexOf('%') >= 0) {
            return super.handle(request, response, callback);
        }
        HttpFields headers = request.getHeaders();
        if (headers.getLongField(HttpHeader.CONTENT_LENGTH) > 0 || headers.contains(HttpHeader.TRANSFER_ENCODING)) {
            return super.handle(request, response, callback);
        }
        DirectFiles.DirectAnswer answer;
        try {
            TenantContext tenant = tenantEdge.servedTenant(headers);
            answer = tenant == null
                    ? null
                    : files.answer(tenant, path.substring(WebServer.FILES_PATH.length()), head, headers);
        } catch (java.io.IOException | RuntimeException e) {
            // A registry or file store that fails (an outage): the full path meets it again and answers it like any
            // other failure, through the error mapper (503 for an outage), and logs it.
            answer = null;
        }
        if (answer == null) {
            return super.handle(request, response, callback);
        }
        HttpFields.Mutable out = response.getHeaders();
        out.put(WebKeys.REQUEST_ID_HEADER, RequestIds.idFor(headers.get(WebKeys.REQUEST_ID_HEADER)));
        out.add(NOSNIFF);
        out.add(REFERRER_POLICY);
        if (https) {
            out.add(HSTS);
        }
        for (HttpField field : answer.headers()) {
            out.add(field);
        }
        response.setStatus(answer.status());
        // Counted before the write completes the response, as the full path's after-handlers do: a client that has
        // its answer finds it counted.
        series(head, answer.status()).record((System.nanoTime() - started) / 1e9);
        answered.increment();
        response.write(true, answer.body(), callback);
        return true;
    }

    /** How many requests this path answered (the rest went on to the full path). */
    long answered() {
        return answered.sum();
    }

    /** The metrics series of a GET or HEAD answered {@code status} (200, 206 or 304), made at its first request. */
    private Metrics.RequestSeries series(boolean head, int status) {
        int i = (head ? 3 : 0) + (status == 200 ? 0 : status == 206 ? 1 : 2);
        Metrics.RequestSeries s = series.get(i);
        if (s == null) {
            s = metrics.series(head ? "HEAD" : "GET", ROUTE, status); // the same series if made twice at once
            series.set(i, s);
        }
        return s;
    }
}
