package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * URL uploads against small loopback servers: slow servers are cut off by the overall deadline and by the minimum
 * rate; the connection goes to the address that was vetted, the name is resolved once per hop (a rebinding DNS
 * answer is never asked for); redirects are vetted again; every non-public range is refused; and the messages name
 * the host and the problem, never a Java exception class.
 */
class UrlFetcherTest {
    private static final Pattern EXCEPTION_NAME = Pattern.compile("[A-Z][A-Za-z]*(Exception|Error)\\b");
    private static final byte[] PNG = TestImages.png(40, 30, 7);
    private final List<ServerSocket> servers = new CopyOnWriteArrayList<>();

    @TempDir
    Path temp;

    @AfterEach
    void closeServers() throws IOException {
        for (ServerSocket server : servers) {
            server.close();
        }
    }

    // ---- slow servers ------------------------------------------------------------------------------------------

    @Test
    void aBodyTrickledAByteAt300MsIsCutOffAtTheDeadline() throws Exception {
        int port = serve("127.0.0.1", 0, (socket, request) -> {
            write(socket, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n");
            trickle(socket, 100);
        });
        UrlFetcher fetcher = fetcher(
                a -> true,
                new UrlFetcher.Limits(Duration.ofMillis(1500), 0, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        long started = System.nanoTime();
        AppException e = refused(() -> fetch(fetcher, "http://127.0.0.1:" + port + "/slow.png"));
        assertTrue(e.getMessage().contains("The server at 127.0.0.1 took longer than 1 s"), e.getMessage());
        assertWithin(started, Duration.ofSeconds(4));
        assertNoTempFiles();
    }

    @Test
    void aBodyBelowTheMinimumRateIsCutOffAfterOneWindow() throws Exception {
        int port = serve("127.0.0.1", 0, (socket, request) -> {
            write(socket, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n");
            trickle(socket, 100);
        });
        UrlFetcher fetcher = fetcher(
                a -> true,
                new UrlFetcher.Limits(Duration.ofSeconds(30), 1000, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        long started = System.nanoTime();
        AppException e = refused(() -> fetch(fetcher, "http://127.0.0.1:" + port + "/slow.png"));
        assertTrue(e.getMessage().contains("sent the file too slowly"), e.getMessage());
        assertWithin(started, Duration.ofSeconds(4));
        assertNoTempFiles();
    }

    @Test
    void trickledHeadersAndSilenceAreCutOffAtTheDeadlineToo() throws Exception {
        int trickling = serve("127.0.0.1", 0, (socket, request) -> {
            write(socket, "HTTP/1.1 200 OK\r\n");
            for (int i = 0; i < 100; i++) {
                write(socket, "X-Slow-" + i + ": 1\r\n");
                Thread.sleep(300);
            }
        });
        int silent = serve("127.0.0.1", 0, (socket, request) -> Thread.sleep(20_000));
        UrlFetcher fetcher = fetcher(
                a -> true,
                new UrlFetcher.Limits(Duration.ofMillis(1200), 1000, Duration.ofSeconds(5), Duration.ofSeconds(1)));
        for (int port : new int[] {trickling, silent}) {
            long started = System.nanoTime();
            AppException e = refused(() -> fetch(fetcher, "http://127.0.0.1:" + port + "/x.png"));
            assertTrue(e.getMessage().contains("took longer than"), e.getMessage());
            assertWithin(started, Duration.ofSeconds(4));
        }
    }

    // ---- vetted addresses --------------------------------------------------------------------------------------

    @Test
    void theConnectionGoesToTheVettedAddressAndTheNameIsResolvedOnce() throws Exception {
        List<String> hosts = new CopyOnWriteArrayList<>();
        int port = serve("127.0.0.2", 0, (socket, request) -> {
            hosts.add(header(request, "Host"));
            write(socket, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + PNG.length + "\r\n\r\n");
            socket.getOutputStream().write(PNG);
        });
        AtomicInteger trapped = new AtomicInteger();
        serve(
                "127.0.0.1",
                port,
                (socket, request) -> trapped.incrementAndGet()); // what a second resolution would reach
        AtomicInteger lookups = new AtomicInteger();
        UrlFetcher.Resolver rebinding = host -> lookups.incrementAndGet() == 1
                ? new InetAddress[] {InetAddress.getByName("127.0.0.2")}
                : new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        UrlFetcher fetcher =
                new UrlFetcher(only("127.0.0.2"), rebinding, fast(), (SSLSocketFactory) SSLSocketFactory.getDefault());

        ReceivedFile file = fetch(fetcher, "http://rebind.example:" + port + "/pictures/cat.png");
        assertArrayEquals(PNG, Files.readAllBytes(file.path()));
        assertEquals("cat.png", file.clientName());
        assertEquals(1, lookups.get(), "resolved once");
        assertEquals(0, trapped.get(), "never connected to another address");
        assertEquals(List.of("rebind.example:" + port), hosts, "the original Host header");
    }

    @Test
    void redirectsAreVettedAgainAndBounded() throws Exception {
        AtomicInteger trapped = new AtomicInteger();
        int trap = serve("127.0.0.1", 0, (socket, request) -> trapped.incrementAndGet());
        int port = serve("127.0.0.2", 0, (socket, request) -> {
            String path = request.split(" ")[1];
            String location = path.equals("/private") ? "http://127.0.0.1:" + trap + "/x.png" : "/loop" + path.length();
            write(socket, "HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n");
        });
        UrlFetcher fetcher = new UrlFetcher(
                only("127.0.0.2"), UrlFetcherTest::literal, fast(), (SSLSocketFactory) SSLSocketFactory.getDefault());

        AppException toPrivate = refused(() -> fetch(fetcher, "http://127.0.0.2:" + port + "/private"));
        assertTrue(toPrivate.getMessage().contains("private or local address"), toPrivate.getMessage());
        assertEquals(0, trapped.get());
        AppException loop = refused(() -> fetch(fetcher, "http://127.0.0.2:" + port + "/start"));
        assertTrue(loop.getMessage().contains("redirects too many times"), loop.getMessage());
    }

    @Test
    void aNameWithAnyPrivateAddressIsRefusedBeforeAnyConnection() throws Exception {
        AtomicInteger contacted = new AtomicInteger();
        int port = serve("127.0.0.2", 0, (socket, request) -> contacted.incrementAndGet());
        UrlFetcher.Resolver mixed =
                host -> new InetAddress[] {InetAddress.getByName("127.0.0.2"), InetAddress.getByName("10.0.0.1")};
        UrlFetcher fetcher =
                new UrlFetcher(only("127.0.0.2"), mixed, fast(), (SSLSocketFactory) SSLSocketFactory.getDefault());
        AppException e = refused(() -> fetch(fetcher, "http://mixed.example:" + port + "/x.png"));
        assertTrue(e.getMessage().contains("private or local address"), e.getMessage());
        assertEquals(0, contacted.get());
    }

    // ---- bodies and errors -------------------------------------------------------------------------------------

    @Test
    void chunkedAndReadToCloseBodiesArrive() throws Exception {
        int chunked = serve("127.0.0.1", 0, (socket, request) -> {
            write(socket, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            for (int offset = 0; offset < PNG.length; offset += 100) {
                int n = Math.min(100, PNG.length - offset);
                out.write((Integer.toHexString(n) + ";ext=1\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(PNG, offset, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            write(socket, "0\r\nX-Trailer: yes\r\n\r\n");
        });
        int toClose = serve("127.0.0.1", 0, (socket, request) -> {
            write(socket, "HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n\r\n");
            socket.getOutputStream().write(PNG);
        });
        UrlFetcher fetcher = fetcher(a -> true, fast());
        assertArrayEquals(
                PNG,
                Files.readAllBytes(
                        fetch(fetcher, "http://127.0.0.1:" + chunked + "/c.png").path()));
        assertArrayEquals(
                PNG,
                Files.readAllBytes(
                        fetch(fetcher, "http://127.0.0.1:" + toClose + "/d.png").path()));
    }

    @Test
    void failuresSayWhatHappenedAtWhichHostWithoutJavaNames() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = probe.getLocalPort(); // free again once closed: nothing listens there
        }
        int cutShort = serve(
                "127.0.0.1",
                0,
                (socket, request) -> write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nonly a little"));
        int garbage = serve("127.0.0.1", 0, false, (socket, request) -> write(socket, "SSH-2.0-OpenSSH\r\n\r\n"));
        int notFound = serve(
                "127.0.0.1",
                0,
                (socket, request) -> write(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        UrlFetcher fetcher = fetcher(a -> true, fast());
        assertMessage(
                fetcher, "http://127.0.0.1:" + closedPort + "/x.png", "The server at 127.0.0.1 could not be reached.");
        assertMessage(
                fetcher,
                "http://127.0.0.1:" + cutShort + "/x.png",
                "The connection to 127.0.0.1 ended before the file was complete.");
        assertMessage(
                fetcher,
                "http://127.0.0.1:" + garbage + "/x.png",
                "The server at 127.0.0.1 did not answer with valid HTTP.");
        assertMessage(
                fetcher,
                "https://127.0.0.1:" + garbage + "/x.png",
                "A secure connection to 127.0.0.1 could not be established");
        assertMessage(fetcher, "http://127.0.0.1:" + notFound + "/x.png", "The URL answered HTTP 404, not an image.");
        assertMessage(fetcher, "http://nowhere.invalid/x.png", "The host name nowhere.invalid does not resolve.");
        assertMessage(fetcher, "ftp://example.com/x.png", "Only http:// and https:// URLs can be uploaded.");
        assertNoTempFiles();
    }

    @Test
    void httpsConnectsToTheVettedAddressButVerifiesTheCertificateAgainstTheHostNameOverSni() throws Exception {
        // A certificate for good.example only, made with the JDK's keytool; the client trusts it and nothing else.
        Path keystore = temp.getParent().resolve("tls-" + System.nanoTime() + ".p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=good.example",
                        "-ext",
                        "SAN=dns:good.example",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit",
                        "-keystore",
                        keystore.toString())
                .redirectErrorStream(true)
                .start();
        assertTrue(
                keytool.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && keytool.exitValue() == 0,
                new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        } finally {
            Files.deleteIfExists(keystore);
        }
        javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        keys.init(ks, "changeit".toCharArray());
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        trust.init(ks);
        javax.net.ssl.SSLContext serverTls = javax.net.ssl.SSLContext.getInstance("TLS");
        serverTls.init(keys.getKeyManagers(), null, null);
        javax.net.ssl.SSLContext clientTls = javax.net.ssl.SSLContext.getInstance("TLS");
        clientTls.init(null, trust.getTrustManagers(), null);

        javax.net.ssl.SSLServerSocket server = (javax.net.ssl.SSLServerSocket)
                serverTls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        servers.add(server);
        List<String> sniNames = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) server.accept()) {
                    socket.startHandshake();
                    ((javax.net.ssl.ExtendedSSLSession) socket.getSession())
                            .getRequestedServerNames()
                            .forEach(n -> sniNames.add(new String(n.getEncoded(), StandardCharsets.US_ASCII)));
                    readHead(socket.getInputStream());
                    write(
                            socket,
                            "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + PNG.length + "\r\n\r\n");
                    socket.getOutputStream().write(PNG);
                } catch (IOException handshakeRefusedOrClosed) {
                    // the client refused the certificate, or the test ended
                }
            }
        });
        UrlFetcher.Resolver toLoopback = host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        UrlFetcher fetcher = new UrlFetcher(only("127.0.0.1"), toLoopback, fast(), clientTls.getSocketFactory());
        int port = server.getLocalPort();

        assertArrayEquals(
                PNG,
                Files.readAllBytes(fetch(fetcher, "https://good.example:" + port + "/tls.png")
                        .path()));
        assertEquals(List.of("good.example"), sniNames);
        AppException wrongName = refused(() -> fetch(fetcher, "https://evil.example:" + port + "/tls.png"));
        assertTrue(
                wrongName.getMessage().startsWith("A secure connection to evil.example could not be established"),
                wrongName.getMessage());
    }

    // ---- address ranges ----------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} public: {1}")
    @CsvSource({
        // IPv4 ranges that are not public
        "0.1.2.3,false",
        "10.0.0.1,false",
        "10.255.255.255,false",
        "100.64.0.1,false",
        "100.127.255.254,false",
        "127.0.0.1,false",
        "127.255.255.254,false",
        "169.254.169.254,false",
        "172.16.0.1,false",
        "172.31.255.255,false",
        "192.0.0.8,false",
        "192.0.2.1,false",
        "192.88.99.1,false",
        "192.168.0.1,false",
        "198.18.0.1,false",
        "198.19.255.255,false",
        "198.51.100.7,false",
        "203.0.113.9,false",
        "224.0.0.1,false",
        "239.255.255.250,false",
        "240.0.0.1,false",
        "255.255.255.255,false",
        // their public neighbours
        "8.8.8.8,true",
        "1.1.1.1,true",
        "100.63.255.255,true",
        "100.128.0.1,true",
        "172.15.255.255,true",
        "172.32.0.1,true",
        "192.0.1.1,true",
        "192.169.0.1,true",
        "198.17.255.255,true",
        "198.20.0.1,true",
        "198.51.101.1,true",
        "203.0.114.1,true",
        "223.255.255.255,true",
        // IPv6
        "::,false",
        "::1,false",
        "::127.0.0.1,false",
        "fc00::1,false",
        "fd12:3456::1,false",
        "fe80::1,false",
        "febf::1,false",
        "ff02::1,false",
        "ff0e::1,false",
        "100::1,false",
        "2001:db8::1,false",
        "2001:db8:ffff::1,false",
        "2001::1,false",
        "2001:2::1,false",
        "2002:7f00:1::1,false",
        "2002:a00:1::1,false",
        "2606:4700:4700::1111,true",
        "2a00:1450:4001::200e,true",
        "2002:808:808::1,true",
        // IPv4 inside IPv6: mapped (kept as an Inet6Address) and NAT64
        "::ffff:127.0.0.1,false",
        "::ffff:10.0.0.1,false",
        "::ffff:192.168.1.1,false",
        "::ffff:169.254.169.254,false",
        "::ffff:8.8.8.8,true",
        "64:ff9b::10.0.0.1,false",
        "64:ff9b::127.0.0.1,false",
        "64:ff9b::192.168.0.1,false",
        "64:ff9b:1::1.2.3.4,false",
        "64:ff9b::8.8.8.8,true",
    })
    void onlyPublicAddressesPass(String address, boolean expected) throws Exception {
        InetAddress parsed = InetAddress.getByName(address);
        if (parsed instanceof Inet4Address && address.contains(":")) {
            // Java turns ::ffff:a.b.c.d into an Inet4Address; check the IPv6 form as well, as a socket may report it.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(parsed.getAddress(), 0, mapped, 12, 4);
            Inet6Address v6 = Inet6Address.getByAddress(null, mapped, -1);
            assertEquals(expected, UrlFetcher.isPublic(v6), address + " as IPv6");
        }
        assertEquals(expected, UrlFetcher.isPublic(parsed), address);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Handles one connection: the socket and the request head as text. */
    private interface Handler {
        void handle(Socket socket, String request) throws Exception;
    }

    /** A server on {@code address}:{@code port} (0: any free port) answering each connection with {@code handler}; returns the port. */
    private int serve(String address, int port, Handler handler) throws IOException {
        return serve(address, port, true, handler);
    }

    /** @param readHead false: the handler runs at once, before the client sent anything (the request is then empty) */
    private int serve(String address, int port, boolean readHead, Handler handler) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port), 50);
        servers.add(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            handler.handle(socket, readHead ? readHead(socket.getInputStream()) : "");
                        } catch (Exception closed) {
                            // the client gave up, or the test ended
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (int b; head.length() < 16_384 && (b = in.read()) >= 0; ) {
            head.append((char) b);
            if (head.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString();
    }

    private static String header(String request, String name) {
        return request.lines()
                .filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(l -> l.substring(name.length() + 1).trim())
                .findFirst()
                .orElse(null);
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Sends one byte every 300 ms, at most {@code bytes} (the fetcher gives up long before). */
    private static void trickle(Socket socket, int bytes) throws Exception {
        for (int i = 0; i < bytes; i++) {
            socket.getOutputStream().write(0x42);
            socket.getOutputStream().flush();
            Thread.sleep(300);
        }
    }

    private static UrlFetcher.Limits fast() {
        return new UrlFetcher.Limits(Duration.ofSeconds(10), 1, Duration.ofSeconds(5), Duration.ofSeconds(2));
    }

    private static UrlFetcher fetcher(Predicate<InetAddress> allowed, UrlFetcher.Limits limits) {
        return new UrlFetcher(
                allowed, UrlFetcherTest::literal, limits, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** Resolves literals only: no test depends on DNS. */
    private static InetAddress[] literal(String host) throws UnknownHostException {
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            throw new UnknownHostException(host);
        }
        return new InetAddress[] {InetAddress.getByName(host)};
    }

    private static Predicate<InetAddress> only(String address) {
        return a -> a.getHostAddress().equals(address);
    }

    private ReceivedFile fetch(UrlFetcher fetcher, String url) throws IOException {
        return fetcher.fetch(url, 10_000_000, new Receiver(temp));
    }

    private interface Fetch {
        void run() throws Exception;
    }

    /** The fetch fails with a 400 whose message names no Java class. */
    private static AppException refused(Fetch fetch) {
        AppException e = assertThrows(AppException.class, fetch::run);
        assertEquals(ErrorCode.INVALID_INPUT, e.code(), e.getMessage());
        assertFalse(EXCEPTION_NAME.matcher(e.getMessage()).find(), e.getMessage());
        return e;
    }

    private void assertMessage(UrlFetcher fetcher, String url, String expected) {
        AppException e = refused(() -> fetch(fetcher, url));
        assertTrue(e.getMessage().startsWith(expected), url + ": " + e.getMessage());
    }

    private static void assertWithin(long startedNanos, Duration bound) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        assertTrue(took.compareTo(bound) < 0, "took " + took);
    }

    private void assertNoTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(temp)) {
            assertEquals(List.of(), files.toList());
        }
    }
}
