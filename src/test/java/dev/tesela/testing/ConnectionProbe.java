package dev.tesela.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback port that stands in for a database or Redis server and counts the connections made to it, closing each
 * at once (a client sees a server that hangs up). For tests that show a command connects to nothing it does not use.
 */
public final class ConnectionProbe implements AutoCloseable {
    private final ServerSocket socket;
    /** Remote ports of the connections accepted so far. */
    private final Set<Integer> accepted = ConcurrentHashMap.newKeySet();

    private final Set<Integer> own = ConcurrentHashMap.newKeySet();

    public ConnectionProbe() {
        try {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("connection-probe-" + socket.getLocalPort()).start(() -> {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    accepted.add(client.getPort());
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    public int port() {
        return socket.getLocalPort();
    }

    /**
     * The connections made to this port so far by others. Exact: a connection of its own is made and awaited first,
     * and the kernel hands connections to accept() in arrival order, so every earlier one has been counted.
     */
    public int connections() {
        try (Socket marker = new Socket(InetAddress.getLoopbackAddress(), port())) {
            own.add(marker.getLocalPort());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!accepted.contains(marker.getLocalPort())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the probe did not accept its own connection");
                }
                Thread.sleep(5);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return (int) accepted.stream().filter(port -> !own.contains(port)).count();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a listening socket
        }
    }
}
