package dev.tesela.media;

import dev.tesela.platform.error.AppException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches a URL upload, guarding against server-side request forgery and slow servers.
 *
 * <ul>
 * <li>Only http and https. The host name is resolved ONCE per request; every address it resolves to must pass the
 * address check ({@link #isPublic} unless private addresses are allowed), and the connection goes to one of those
 * vetted addresses, never to a second resolution (no DNS rebinding between check and connect). The request carries
 * the original {@code Host}; https uses the host name for SNI and certificate verification.</li>
 * <li>Redirects are followed by hand, at most {@value #MAX_REDIRECTS}, each target resolved and checked again.</li>
 * <li>One overall deadline covers resolving, connecting, TLS, headers and body of every hop; the body must also arrive
 * at a minimum rate, measured over successive windows. A socket that blocks is closed by a watchdog at the deadline.</li>
 * <li>Errors name the host and what went wrong, never a Java exception class.</li>
 * </ul>
 *
 * <p>A small HTTP/1.1 client of its own (GET, {@code Connection: close}, Content-Length, chunked or read-to-close
 * bodies, no compression) because the JDK's HttpClient can only connect to the address it resolves itself.
 * Thread-safe: each fetch uses its own socket.
 */
final class UrlFetcher {
    static final int MAX_REDIRECTS = 3;
    /** Production limits: 30 s in all, at least 4 KiB/s in every 5 s window, 10 s to connect. */
    static final Limits DEFAULT_LIMITS =
            new Limits(Duration.ofSeconds(30), 4096, Duration.ofSeconds(5), Duration.ofSeconds(10));

    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_HEADER_LINES = 100;

    /** Host name → addresses (the seam tests use to play a rebinding DNS server). */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /**
     * @param deadline          everything, all hops included
     * @param minBytesPerSecond the body's least rate, checked at the end of each {@code rateWindow}; 0 turns it off
     * @param rateWindow        how long the rate is measured over
     * @param connectTimeout    one connection attempt
     */
    record Limits(Duration deadline, long minBytesPerSecond, Duration rateWindow, Duration connectTimeout) {}

    private final Predicate<InetAddress> addressAllowed;
    private final Resolver resolver;
    private final Limits limits;
    private final SSLSocketFactory tls;

    UrlFetcher(Predicate<InetAddress> addressAllowed, Resolver resolver, Limits limits, SSLSocketFactory tls) {
        this.addressAllowed = addressAllowed;
        this.resolver = resolver;
        this.limits = limits;
        this.tls = tls;
    }

    /** The production fetcher: public addresses only unless {@code allowPrivate} (TESELA_URL_UPLOAD_ALLOW_PRIVATE). */
    static UrlFetcher create(boolean allowPrivate) {
        return new UrlFetcher(
                allowPrivate ? address -> true : UrlFetcher::isPublic,
                InetAddress::getAllByName,
                DEFAULT_LIMITS,
                (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** Downloads {@code url} into a received temp file (hashing on the way), or fails with a clear 400. */
    ReceivedFile fetch(String url, long maxBytes, Receiver receiver) throws IOException {
        long deadline = System.nanoTime() + limits.deadline().toNanos();
        URI uri = parse(url);
        for (int hop = 0; ; hop++) {
            Connection connection = open(uri, deadline);
            boolean handedOver = false;
            try {
                Response response = connection.request(uri);
                int status = response.status();
                Optional<String> location = response.header("location");
                if (status >= 300 && status < 400 && location.isPresent()) {
                    if (hop >= MAX_REDIRECTS) {
                        throw AppException.invalid("source", "The URL redirects too many times.");
                    }
                    URI next;
                    try {
                        next = uri.resolve(location.get().trim());
                    } catch (IllegalArgumentException e) {
                        throw AppException.invalid(
                                "source", "The server at " + uri.getHost() + " redirects to an invalid URL.");
                    }
                    uri = parse(next.toString());
                    continue;
                }
                if (status != 200) {
                    throw AppException.invalid("source", "The URL answered HTTP " + status + ", not an image.");
                }
                long declared = response.header("content-length")
                        .map(UrlFetcher::parseLength)
                        .orElse(-1L);
                if (declared > maxBytes) {
                    throw Receiver.tooLarge(maxBytes);
                }
                String path = uri.getPath() == null ? "" : uri.getPath();
                String name = path.substring(path.lastIndexOf('/') + 1);
                handedOver = true; // the receiver closes the body, which closes the connection
                return receiver.receive(
                        response.body(),
                        maxBytes,
                        name.isEmpty() ? null : name,
                        response.header("content-type").orElse(null));
            } finally {
                if (!handedOver) {
                    connection.close();
                }
            }
        }
    }

    private static URI parse(String url) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw AppException.invalid("source", "The URL is not valid.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw AppException.invalid("source", "Only http:// and https:// URLs can be uploaded.");
        }
        if (uri.getUserInfo() != null) {
            throw AppException.invalid("source", "URLs with a user name or password are not accepted.");
        }
        return uri;
    }

    /** Resolves the host once, checks every address, connects to the first vetted one that answers. */
    private Connection open(URI uri, long deadline) {
        String host = uri.getHost();
        String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bareHost);
        } catch (UnknownHostException e) {
            throw AppException.invalid("source", "The host name " + host + " does not resolve.");
        }
        if (addresses == null || addresses.length == 0) {
            throw AppException.invalid("source", "The host name " + host + " does not resolve.");
        }
        for (InetAddress address : addresses) {
            if (!addressAllowed.test(address)) {
                throw AppException.invalid(
                        "source",
                        "The URL points to a private or local address; only public addresses can be fetched.");
            }
        }
        Connection connection = new Connection(host, deadline);
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                connection.watch(socket);
                long remaining = connection.remainingMillis();
                socket.connect(new InetSocketAddress(address, port), (int)
                        Math.max(1, Math.min(limits.connectTimeout().toMillis(), remaining)));
            } catch (IOException e) {
                closeQuietly(socket);
                if (connection.expired()) {
                    connection.close();
                    throw connection.tookTooLong();
                }
                continue; // try the next vetted address
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
            try {
                socket.setSoTimeout(connection.readTimeoutMillis());
                if (!https) {
                    connection.connected(socket);
                    return connection;
                }
                SSLSocket ssl = (SSLSocket) tls.createSocket(socket, bareHost, port, true);
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                if (!isIpLiteral(bareHost)) {
                    parameters.setServerNames(List.of(new SNIHostName(bareHost)));
                }
                ssl.setSSLParameters(parameters);
                connection.watch(ssl);
                ssl.startHandshake();
                connection.connected(ssl);
                return connection;
            } catch (IOException e) {
                connection.close();
                throw connection.expired()
                        ? connection.tookTooLong()
                        : AppException.invalid(
                                "source",
                                "A secure connection to " + host + " could not be established "
                                        + "(its certificate is not valid for it, or the handshake failed).");
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        }
        connection.close();
        throw AppException.invalid("source", "The server at " + host + " could not be reached.");
    }

    /** One connection: the socket, the deadline's watchdog, and the guarded stream everything is read through. */
    private final class Connection implements AutoCloseable {
        private final String host;
        private final long deadline;
        private final Thread watchdog;
        private volatile Socket socket;
        private volatile boolean expired;
        private volatile boolean closed;
        private boolean timeoutIsDeadline;
        private GuardedInput in;

        Connection(String host, long deadline) {
            this.host = host;
            this.deadline = deadline;
            this.watchdog = Thread.ofVirtual().unstarted(this::closeAtDeadline);
        }

        void watch(Socket s) {
            socket = s;
            if (watchdog.getState() == Thread.State.NEW) {
                watchdog.start();
            }
        }

        void connected(Socket s) throws IOException {
            socket = s;
            in = new GuardedInput(new BufferedInputStream(s.getInputStream(), 16 * 1024), this);
        }

        private void closeAtDeadline() {
            try {
                long nanos = deadline - System.nanoTime();
                if (nanos > 0) {
                    Thread.sleep(Duration.ofNanos(nanos));
                }
                if (!closed) {
                    expired = true;
                    closeQuietly(socket);
                }
            } catch (InterruptedException done) {
                // closed before the deadline
            }
        }

        long remainingMillis() {
            long millis = (deadline - System.nanoTime()) / 1_000_000;
            if (millis <= 0) {
                expired = true;
                throw tookTooLong();
            }
            return millis;
        }

        /**
         * A single read may block this long: until the deadline, and no longer than a rate window. Remembers which of
         * the two bounds it, so that a read timing out at the deadline is reported as the deadline.
         */
        int readTimeoutMillis() {
            long remaining = remainingMillis();
            timeoutIsDeadline = remaining <= limits.rateWindow().toMillis();
            return (int) Math.max(1, Math.min(remaining, limits.rateWindow().toMillis()));
        }

        boolean expired() {
            return expired || System.nanoTime() - deadline >= 0;
        }

        AppException tookTooLong() {
            return AppException.invalid(
                    "source",
                    "The server at " + host + " took longer than "
                            + limits.deadline().toSeconds() + " s to send the file.");
        }

        AppException tooSlow() {
            return AppException.invalid(
                    "source",
                    "The server at " + host + " sent the file too slowly (less than "
                            + Sizes.format(limits.minBytesPerSecond()) + " per second).");
        }

        /** Turns an I/O failure while talking to the server into the message to show. */
        AppException failed(IOException e) {
            if (expired() || e instanceof SocketTimeoutException && timeoutIsDeadline) {
                return tookTooLong();
            }
            if (e instanceof SocketTimeoutException) {
                return AppException.invalid("source", "The server at " + host + " stopped sending data.");
            }
            return AppException.invalid("source", "The connection to " + host + " ended before the file was complete.");
        }

        Response request(URI uri) {
            try {
                String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                if (uri.getRawQuery() != null) {
                    target += "?" + uri.getRawQuery();
                }
                String hostHeader = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
                String request =
                        "GET " + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: Tesela URL upload\r\n"
                                + "Accept: image/*, */*;q=0.5\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String statusLine = readLine();
                String[] parts = statusLine.split(" ", 3);
                if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
                    throw malformed();
                }
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (int lines = 0; ; lines++) {
                    String line = readLine();
                    if (line.isEmpty()) {
                        break;
                    }
                    int colon = line.indexOf(':');
                    if (colon <= 0 || lines >= MAX_HEADER_LINES) {
                        throw malformed();
                    }
                    headers.putIfAbsent(
                            line.substring(0, colon).trim(),
                            line.substring(colon + 1).trim());
                }
                in.startBody();
                InputStream body;
                String transfer = headers.getOrDefault("transfer-encoding", "");
                if (transfer.toLowerCase(Locale.ROOT).contains("chunked")) {
                    body = new ChunkedInput(in, this);
                } else if (headers.containsKey("content-length")) {
                    long length = parseLength(headers.get("content-length"));
                    if (length < 0) {
                        throw malformed();
                    }
                    body = new LengthInput(in, length);
                } else {
                    body = in;
                }
                return new Response(Integer.parseInt(parts[1]), headers, new BodyInput(body, this));
            } catch (IOException e) {
                throw failed(e);
            }
        }

        private int headerBytes;

        /** A CRLF- (or LF-) terminated line of the head, ISO-8859-1; bounded in total. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new EOFException("end of stream in the response head");
                }
                if (++headerBytes > MAX_HEADER_BYTES) {
                    throw malformed();
                }
                line.write(b);
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }

        AppException malformed() {
            return AppException.invalid("source", "The server at " + host + " did not answer with valid HTTP.");
        }

        @Override
        public void close() {
            closed = true;
            watchdog.interrupt();
            closeQuietly(socket);
        }
    }

    private record Response(int status, Map<String, String> headers, InputStream body) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }
    }

    /**
     * The socket's input with the deadline checked before every read, and (once the body starts) the minimum rate
     * checked at the end of every window. Failures are AppExceptions with the message to show.
     */
    private final class GuardedInput extends InputStream {
        private final InputStream in;
        private final Connection connection;
        private boolean inBody;
        private long windowStart;
        private long windowBytes;

        GuardedInput(InputStream in, Connection connection) {
            this.in = in;
            this.connection = connection;
        }

        void startBody() {
            inBody = true;
            windowStart = System.nanoTime();
            windowBytes = 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (connection.expired()) {
                throw connection.tookTooLong();
            }
            int n;
            try {
                connection.socket.setSoTimeout(connection.readTimeoutMillis());
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw connection.failed(e);
            }
            if (inBody && limits.minBytesPerSecond() > 0) {
                windowBytes += Math.max(n, 0);
                long elapsed = System.nanoTime() - windowStart;
                if (elapsed >= limits.rateWindow().toNanos()) {
                    if (n >= 0 && windowBytes * 1_000_000_000L < limits.minBytesPerSecond() * elapsed) {
                        throw connection.tooSlow();
                    }
                    windowStart = System.nanoTime();
                    windowBytes = 0;
                }
            }
            return n;
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    /** At most {@code remaining} bytes of {@code in}; EOF before them is an error. */
    private static final class LengthInput extends InputStream {
        private final InputStream in;
        private long remaining;

        LengthInput(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("the body ended before its Content-Length");
            }
            remaining -= n;
            return n;
        }
    }

    /** A chunked body (RFC 9112 section 7.1), trailers skipped. */
    private static final class ChunkedInput extends InputStream {
        private final GuardedInput in;
        private final Connection connection;
        private long chunkLeft;
        private boolean done;

        ChunkedInput(GuardedInput in, Connection connection) {
            this.in = in;
            this.connection = connection;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                String size = connection.readLine();
                int semicolon = size.indexOf(';');
                try {
                    chunkLeft = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw connection.malformed();
                }
                if (chunkLeft < 0) {
                    throw connection.malformed();
                }
                if (chunkLeft == 0) {
                    while (!connection.readLine().isEmpty()) {
                        // trailer fields, ignored
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new EOFException("the body ended inside a chunk");
            }
            chunkLeft -= n;
            if (chunkLeft == 0 && !connection.readLine().isEmpty()) {
                throw connection.malformed();
            }
            return n;
        }
    }

    /** The body handed to the receiver: I/O failures become messages, closing it closes the connection. */
    private static final class BodyInput extends InputStream {
        private final InputStream in;
        private final Connection connection;

        BodyInput(InputStream in, Connection connection) {
            this.in = in;
            this.connection = connection;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw connection.failed(e);
            }
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    private static void closeQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    /**
     * Whether {@code a} may be fetched: a globally routable unicast address. Refused (IPv4): 0/8, 10/8, 100.64/10
     * (CGNAT), 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24 (6to4 relay), 192.168/16,
     * 198.18/15, 198.51.100/24, 203.0.113/24, 224/4 (multicast), 240/4 (reserved) and 255.255.255.255. IPv6: only
     * 2000::/3 is global unicast, and within it 2001:db8::/32 (documentation), 2001::/23 (IETF protocol assignments,
     * Teredo included) and 2002::/16 (6to4, whose embedded v4 address is checked) are refused; ::/128, ::1, fc00::/7,
     * fe80::/10, ff00::/8 fall outside 2000::/3. Embedded v4 addresses are checked as v4: ::ffff:0:0/96 (mapped),
     * ::/96 (compatible), 64:ff9b::/96 (NAT64).
     */
    static boolean isPublic(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return isPublicV4(b);
        }
        if (a instanceof Inet6Address) {
            boolean firstTenZero = true;
            for (int i = 0; i < 10; i++) {
                firstTenZero &= b[i] == 0;
            }
            if (firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // ::ffff:a.b.c.d
            }
            if (firstTenZero && b[10] == 0 && b[11] == 0) {
                return false; // ::, ::1, ::a.b.c.d (deprecated)
            }
            if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                for (int i = 4; i < 12; i++) {
                    if (b[i] != 0) {
                        return false; // 64:ff9b:1::/48, local NAT64
                    }
                }
                return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // 64:ff9b::/96
            }
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if ((first & 0xe0) != 0x20) {
                return false; // outside 2000::/3
            }
            if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32
            }
            if (first == 0x20 && second == 0x01 && (b[2] & 0xfe) == 0) {
                return false; // 2001::/23
            }
            if (first == 0x20 && second == 0x02) {
                return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 2002::/16 6to4
            }
            return true;
        }
        return false;
    }

    private static boolean isPublicV4(byte[] b) {
        int o1 = b[0] & 0xff;
        int o2 = b[1] & 0xff;
        int o3 = b[2] & 0xff;
        return !(o1 == 0 // "this network"
                || o1 == 10 // private
                || o1 == 100 && o2 >= 64 && o2 < 128 // CGNAT 100.64/10
                || o1 == 127 // loopback
                || o1 == 169 && o2 == 254 // link-local
                || o1 == 172 && o2 >= 16 && o2 < 32 // private
                || o1 == 192 && o2 == 0 && o3 == 0 // IETF protocol assignments
                || o1 == 192 && o2 == 0 && o3 == 2 // documentation TEST-NET-1
                || o1 == 192 && o2 == 88 && o3 == 99 // 6to4 relay anycast
                || o1 == 192 && o2 == 168 // private
                || o1 == 198 && (o2 == 18 || o2 == 19) // benchmarking 198.18/15
                || o1 == 198 && o2 == 51 && o3 == 100 // documentation TEST-NET-2
                || o1 == 203 && o2 == 0 && o3 == 113 // documentation TEST-NET-3
                || o1 >= 224); // multicast 224/4, reserved 240/4, broadcast
    }
}
