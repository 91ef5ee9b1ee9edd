package dev.tesela.platform.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The installation's Prometheus registry: HTTP request counts and latencies by route, plus JVM metrics. The JVM
 * metrics are registered at the first scrape, not at start-up: they start the JVM's management (JMX) beans, about
 * a tenth of {@code serve}'s start-up work and a few MiB that an unscraped server never needs. Their values come
 * from the JVM's own counters, so a late registration reports the same figures. Thread-safe.
 */
public final class Metrics {
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private volatile boolean jvmRegistered;

    public Metrics() {
        requests = Counter.builder()
                .name("tesela_http_requests_total")
                .help("HTTP requests by method, route and status")
                .labelNames("method", "route", "status")
                .register(registry);
        latency = Histogram.builder()
                .name("tesela_http_request_duration_seconds")
                .help("HTTP request latency by route")
                .labelNames("method", "route")
                .register(registry);
    }

    /** Records one request. {@code route} is the route template (e.g. /i/{id}), never the raw path. */
    public void recordRequest(String method, String route, int status, double seconds) {
        requests.labelValues(method, route, Integer.toString(status)).inc();
        latency.labelValues(method, route).observe(seconds);
    }

    /**
     * The series of one method, route and status, for a caller that records many requests of it: {@link
     * RequestSeries#record} counts like {@link #recordRequest} without looking the labels up each time. A series
     * shows in the scrape from its first request on, as with {@link #recordRequest}, so create it at that request.
     */
    public RequestSeries series(String method, String route, int status) {
        return new RequestSeries(
                requests.labelValues(method, route, Integer.toString(status)), latency.labelValues(method, route));
    }

    /** A request series (see {@link #series}); thread-safe. */
    public record RequestSeries(CounterDataPoint count, DistributionDataPoint latency) {
        public void record(double seconds) {
            count.inc();
            latency.observe(seconds);
        }
    }

    /** The registry in Prometheus text format. */
    public String scrape() {
        if (!jvmRegistered) {
            synchronized (this) {
                if (!jvmRegistered) {
                    JvmMetrics.builder().register(registry);
                    jvmRegistered = true;
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
