package dev.tesela.platform.web;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes HTTP/1 connections whose client takes longer than {@code limit} to send one request head (request line
 * and headers). Jetty's idle timeout alone does not stop a "slow-header" client that sends a byte every few
 * seconds: each byte resets it, and such a client holds a connection (and its buffers) for as long as it likes.
 *
 * <p>Jetty 12 has no setting for this, so a sweeper looks at every open connection about four times per
 * {@code limit}: a connection whose parser is in the middle of a request head ({@link
 * org.eclipse.jetty.http.HttpParser#inHeaderState()} and past the start) for the same request (same count of
 * requests received) since more than {@code limit} is closed. The head of a connection's first request is timed
 * from the moment the connection opened; later heads from when the sweeper first saw them in progress (a head
 * normally arrives in one packet, so only a client that dribbles it is ever seen mid-head twice). A connection
 * idle between requests is the idle timeout's business, not this one's. The parser state is read from the
 * sweeper thread without synchronisation: a stale read can only delay a close by one sweep.
 * Thread-safe; {@link #start()} starts the sweeper thread, {@link #close()} stops it.
 */
final class RequestHeadDeadline implements Connection.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RequestHeadDeadline.class);

    private final long limitNanos;
    private final Map<HttpConnection, Watch> open = new ConcurrentHashMap<>();
    private final long periodMillis;
    private ScheduledExecutorService sweeper;

    /** When the head of request number {@code requestsIn} started (nanoTime), or -1 before any was seen. */
    private record Watch(long openedAt, long requestsIn, long headSince) {}

    RequestHeadDeadline(Duration limit) {
        this.limitNanos = limit.toNanos();
        this.periodMillis = Math.clamp(limit.toMillis() / 4, 50, 1000);
    }

    /** Starts sweeping (once; later calls do nothing). */
    synchronized void start() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("request-head-deadline").factory());
            sweeper.scheduleWithFixedDelay(this::sweep, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            open.put(http, new Watch(System.nanoTime(), 0, -1));
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof HttpConnection http) {
            open.remove(http);
        }
    }

    /** Connections being watched (tests). */
    int watched() {
        return open.size();
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            open.replaceAll((connection, watch) -> check(connection, watch, now));
        } catch (RuntimeException e) {
            log.warn("Request head deadline sweep failed: {}", e.toString());
        }
    }

    private Watch check(HttpConnection connection, Watch watch, long now) {
        var parser = connection.getParser();
        long requestsIn = connection.getMessagesIn();
        boolean midHead = parser.inHeaderState() && !parser.isStart();
        if (!midHead) {
            return new Watch(watch.openedAt(), requestsIn, -1);
        }
        long since = watch.headSince() >= 0 && watch.requestsIn() == requestsIn
                ? watch.headSince()
                : requestsIn == 0 ? watch.openedAt() : now;
        if (now - since > limitNanos) {
            log.info(
                    "Closing connection from {}: its request head took longer than {} ms",
                    connection.getEndPoint().getRemoteSocketAddress(),
                    limitNanos / 1_000_000);
            connection.getEndPoint().close();
        }
        return new Watch(watch.openedAt(), requestsIn, since);
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
