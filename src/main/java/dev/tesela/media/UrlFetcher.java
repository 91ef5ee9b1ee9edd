package dev.tesela.media;

import dev.tesela.platform.error.AppException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * Fetches a URL upload, guarding against server-side request forgery: only http and https, only hosts whose every
 * address is public (no loopback, private, link-local, CGNAT, multicast or unspecified ranges, v4 or v6), redirects
 * followed by hand (at most {@value #MAX_REDIRECTS}) and each target checked again, a size cap and a time limit.
 *
 * <p>Known gap: the address is checked, then the HTTP client resolves the name again, so a DNS server that answers
 * differently within that window (rebinding) is not stopped here. Deployments that need that guarantee should also
 * firewall egress from the application to private ranges.
 */
final class UrlFetcher {
    static final int MAX_REDIRECTS = 3;
    private final HttpClient client;
    private final boolean allowPrivate;
    private final Duration timeout;

    UrlFetcher(boolean allowPrivate, Duration timeout) {
        this.allowPrivate = allowPrivate;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Downloads {@code url} into a received temp file (hashing on the way), or fails with a clear 400. */
    ReceivedFile fetch(String url, long maxBytes, Receiver receiver) throws IOException {
        URI uri = parse(url);
        for (int hop = 0; ; hop++) {
            requirePublic(uri);
            HttpResponse<InputStream> response;
            try {
                response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET()
                        .header("User-Agent", "Tesela URL upload").build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw AppException.invalid("source", "The URL could not be fetched: " + e.getClass().getSimpleName() + ".");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int status = response.statusCode();
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                response.body().close();
                if (hop >= MAX_REDIRECTS) {
                    throw AppException.invalid("source", "The URL redirects too many times.");
                }
                uri = parse(uri.resolve(response.headers().firstValue("Location").get()).toString());
                continue;
            }
            if (status != 200) {
                response.body().close();
                throw AppException.invalid("source", "The URL answered HTTP " + status + ", not an image.");
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBytes) {
                response.body().close();
                throw Receiver.tooLarge(maxBytes);
            }
            String path = uri.getPath() == null ? "" : uri.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            return receiver.receive(response.body(), maxBytes, name.isEmpty() ? null : name,
                    response.headers().firstValue("Content-Type").orElse(null));
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

    private void requirePublic(URI uri) {
        if (allowPrivate) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw AppException.invalid("source", "The URL's host name does not resolve.");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw AppException.invalid("source", "The URL points to a private or local address; only public addresses can be fetched.");
            }
        }
    }

    /** Whether {@code a} is a globally routable unicast address. */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return !(first == 0 || first >= 240                       // "this network", reserved, broadcast
                    || first == 100 && second >= 64 && second < 128  // CGNAT 100.64/10
                    || first == 192 && second == 0 && (b[2] & 0xff) == 0  // IETF protocol assignments
                    || first == 198 && (second == 18 || second == 19)); // benchmarking
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false;                                         // unique local fc00::/7
            }
            boolean v4Mapped = true;
            for (int i = 0; i < 10; i++) {
                v4Mapped &= b[i] == 0;
            }
            if (v4Mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException impossible) {
                    return false;
                }
            }
            return (first & 0xe0) == 0x20;                            // global unicast 2000::/3
        }
        return false;
    }
}
