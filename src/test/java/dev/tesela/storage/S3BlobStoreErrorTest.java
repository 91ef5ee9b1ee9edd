package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tesela.storage.BlobStore.StoreUnavailableException;
import dev.tesela.testing.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link S3BlobStore} against a service that does not answer, throttles or fails (stubs on loopback), that has too
 * many calls in flight, or that is configured wrongly (S3Proxy, {@link S3Server#shared()}): outages are {@link StoreUnavailableException} within the
 * call timeout (see {@link S3BlobStoreFaultTest#failsUnavailableWithin}), configuration errors clear IOExceptions.
 */
class S3BlobStoreErrorTest {
    @TempDir
    Path dir;

    Path source(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "src", ".bin"), bytes);
    }

    @Test
    void aServerThatNeverAnswersIsGivenUpWithinTheTimeout() throws Exception {
        // Accepts connections (the kernel completes them from the backlog) and never answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Duration timeout = Duration.ofSeconds(1);
            S3Settings settings = new S3Settings(
                    Optional.of(URI.create("http://127.0.0.1:" + silent.getLocalPort())),
                    S3Server.REGION,
                    "silent",
                    "",
                    S3Server.ACCESS_KEY,
                    S3Server.SECRET_KEY,
                    true,
                    timeout,
                    4);
            try (S3BlobStore store = new S3BlobStore(settings)) {
                Path file = source(new byte[] {1});
                failsUnavailableWithin(timeout, "silent server, stat", () -> store.stat("a.png"));
                failsUnavailableWithin(timeout, "silent server, open", () -> store.open("a.png"));
                failsUnavailableWithin(
                        timeout, "silent server, putNew", () -> store.putNew("a.png", file, "image/png"));
            }
        }
    }

    @Test
    void openStreamsHoldNoSlotSoSlowDownloadsCannotStarveTheStorage() throws Exception {
        S3Server.shared().createBucket("busy");
        Duration timeout = Duration.ofSeconds(1);
        try (S3BlobStore store = new S3BlobStore(S3Server.shared().settings("busy", "", timeout, 2))) {
            store.putNew("a.png", source(new byte[] {1, 2}), "image/png");
            // Three streams open at once on a storage of 2 slots (clients downloading slowly), unread:
            InputStream first = store.open("a.png").orElseThrow();
            InputStream second = store.open("a.png", 1, 1).orElseThrow();
            InputStream third = store.open("a.png").orElseThrow();
            assertTrue(store.stat("a.png").isPresent(), "a call still gets a slot");
            store.putNew("b.png", source(new byte[] {3}), "image/png");
            assertArrayEquals(new byte[] {2}, second.readAllBytes());
            assertArrayEquals(new byte[] {1, 2}, first.readAllBytes());
            first.close();
            first.close(); // closing twice is harmless
            second.close();
            third.close(); // unread: aborts its connection
            assertTrue(store.stat("b.png").isPresent());
        }
    }

    @Test
    void aWrongSecretIsAClearConfigurationError() throws Exception {
        S3Server.shared().createBucket("secret");
        S3Settings right = S3Server.shared().settings("secret", "", Duration.ofSeconds(5), 4);
        String wrongSecret = "not-the-secret-4711";
        S3Settings wrong = new S3Settings(
                right.endpoint(),
                right.region(),
                right.bucket(),
                right.keyPrefix(),
                right.accessKey(),
                wrongSecret,
                true,
                right.callTimeout(),
                right.maxConcurrency());
        try (S3BlobStore store = new S3BlobStore(wrong)) {
            Path file = source(new byte[] {1});
            for (Executable call : new Executable[] {
                () -> store.putNew("a.png", file, "image/png"), () -> store.stat("a.png"), () -> store.open("a.png")
            }) {
                IOException e = assertThrows(BlobStore.StoreRefusedException.class, call);
                assertTrue(e.getMessage().startsWith("access denied to bucket secret on storage s3:"), e.getMessage());
                assertFalse(e.getMessage().contains(wrongSecret), e.getMessage());
            }
        }
    }

    @Test
    void aMissingBucketIsAClearConfigurationError() throws Exception {
        try (S3BlobStore store =
                new S3BlobStore(S3Server.shared().settings("no-such-bucket", "", Duration.ofSeconds(5), 4))) {
            Path file = source(new byte[] {1});
            for (Executable call : new Executable[] {
                () -> store.putNew("a.png", file, "image/png"),
                () -> store.open("a.png"),
                () -> store.stage("s/a.png", file, "image/png"),
                () -> store.staged(10)
            }) {
                IOException e = assertThrows(BlobStore.StoreRefusedException.class, call);
                assertTrue(e.getMessage().startsWith("no bucket no-such-bucket on storage s3:"), e.getMessage());
            }
        }
    }

    @Test
    void throttlingAndServerErrorsAreOutages() throws Exception {
        HttpServer stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/", exchange -> {
            boolean slowDown = exchange.getRequestURI().getPath().contains("slow");
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                            + (slowDown ? "SlowDown" : "InternalError") + "</Code><Message>try later</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(slowDown ? 503 : 500, -1);
            } else {
                exchange.sendResponseHeaders(slowDown ? 503 : 500, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        stub.start();
        try {
            Duration timeout = Duration.ofSeconds(1);
            for (String bucket : new String[] {"slow-bucket", "broken-bucket"}) {
                S3Settings settings = new S3Settings(
                        Optional.of(URI.create(
                                "http://127.0.0.1:" + stub.getAddress().getPort())),
                        S3Server.REGION,
                        bucket,
                        "",
                        S3Server.ACCESS_KEY,
                        S3Server.SECRET_KEY,
                        true,
                        timeout,
                        4);
                try (S3BlobStore store = new S3BlobStore(settings)) {
                    failsUnavailableWithin(timeout, bucket + ", open", () -> store.open("a.png"));
                    failsUnavailableWithin(timeout, bucket + ", stat", () -> store.stat("a.png"));
                }
            }
        } finally {
            stub.stop(0);
        }
    }

    @Test
    void aPutWhoseAnswerIsLostIsRetriedAndCountsAsItsOwnWrite() throws Exception {
        S3Server server = S3Server.shared();
        server.createBucket("lost-answer");
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy(server.port())) {
            S3Settings direct = server.settings("lost-answer", "", Duration.ofSeconds(10), 4);
            S3Settings viaProxy = new S3Settings(
                    Optional.of(URI.create("http://127.0.0.1:" + proxy.port())),
                    direct.region(),
                    direct.bucket(),
                    direct.keyPrefix(),
                    direct.accessKey(),
                    direct.secretKey(),
                    true,
                    direct.callTimeout(),
                    direct.maxConcurrency());
            try (S3BlobStore store = new S3BlobStore(viaProxy)) {
                byte[] bytes = new byte[] {1, 2, 3, 4};
                // The server stores the object, its answer is lost, the SDK sends the PUT again and gets 412.
                store.putNew("lost/answer.png", source(bytes), "image/png");
                assertTrue(proxy.dropped.get(), "the first PUT's answer was dropped");
                assertArrayEquals(bytes, S3BlobStoreFaultTest.readAll(store.open("lost/answer.png")));
                // Another write of the key is still refused.
                assertThrows(
                        BlobStore.BlobExistsException.class,
                        () -> store.putNew("lost/answer.png", source(bytes), "image/png"));
            }
        }
    }

    /**
     * A TCP proxy to 127.0.0.1:{@code upstream} that forwards everything, except that it cuts the connection instead
     * of passing on the answer to the first PUT it sees.
     */
    static final class AnswerDroppingProxy implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicBoolean armed = new AtomicBoolean(true);
        final AtomicBoolean dropped = new AtomicBoolean();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        AnswerDroppingProxy(int upstream) throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket server = new Socket(InetAddress.getLoopbackAddress(), upstream);
                        sockets.add(client);
                        sockets.add(server);
                        AtomicBoolean dropAnswer = new AtomicBoolean();
                        Thread.ofVirtual().start(() -> pump(client, server, dropAnswer, true));
                        Thread.ofVirtual().start(() -> pump(server, client, dropAnswer, false));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        private void pump(Socket from, Socket to, AtomicBoolean dropAnswer, boolean request) {
            byte[] buffer = new byte[16 * 1024];
            try (from;
                    to) {
                InputStream in = from.getInputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (request
                            && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains("PUT /")
                            && armed.compareAndSet(true, false)) {
                        dropAnswer.set(true); // before the request goes on, so before its answer can come back
                    }
                    if (!request && dropAnswer.get()) {
                        dropped.set(true);
                        return; // closes both: the client sees the connection end without an answer
                    }
                    to.getOutputStream().write(buffer, 0, n);
                }
            } catch (IOException closed) {
                // the other side closed
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private static StoreUnavailableException failsUnavailableWithin(Duration timeout, String what, Executable call) {
        return S3BlobStoreFaultTest.failsUnavailableWithin(timeout, what, call);
    }
}
