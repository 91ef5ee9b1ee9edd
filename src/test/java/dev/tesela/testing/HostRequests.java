package dev.tesela.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Requests to a server on 127.0.0.1 that name the site by {@code Host} header (provider mode), with a cookie jar:
 * cookies are sent from it and every Set-Cookie is written back to it (an empty value or Max-Age=0 removes one).
 * Setting Host needs -Djdk.httpclient.allowRestrictedHeaders=host (surefire argLine in pom.xml).
 */
public final class HostRequests {
    private static final java.util.regex.Pattern CSRF =
            java.util.regex.Pattern.compile("name=\"csrf_token\" value=\"([^\"]+)\"");

    private HostRequests() {}

    /** The CSRF token of a page's form; fails the test when the page has none. */
    public static String csrf(String html) {
        java.util.regex.Matcher m = CSRF.matcher(html);
        org.junit.jupiter.api.Assertions.assertTrue(m.find(), "page has a CSRF token");
        return m.group(1);
    }

    /** {@code s} encoded for a urlencoded form. */
    public static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code form} (urlencoded) is the body when not null; {@code headers} are added as given. */
    public static HttpResponse<String> send(
            HttpClient http,
            int port,
            String host,
            String method,
            String path,
            String form,
            Map<String, String> jar,
            Map<String, String> headers)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("Host", host);
        headers.forEach(request::header);
        if (!jar.isEmpty()) {
            request.header(
                    "Cookie",
                    String.join(
                            "; ",
                            jar.entrySet().stream()
                                    .map(e -> e.getKey() + "=" + e.getValue())
                                    .toList()));
        }
        if (form != null) {
            request.header("Content-Type", "application/x-www-form-urlencoded")
                    .method(method, HttpRequest.BodyPublishers.ofString(form));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        for (String setCookie : response.headers().allValues("set-cookie")) {
            String pair = setCookie.split(";", 2)[0];
            int eq = pair.indexOf('=');
            String name = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (value.isEmpty() || setCookie.contains("Max-Age=0")) {
                jar.remove(name);
            } else {
                jar.put(name, value);
            }
        }
        return response;
    }
}
