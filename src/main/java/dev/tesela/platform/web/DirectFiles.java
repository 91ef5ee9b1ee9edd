package dev.tesela.platform.web;

import dev.tesela.platform.context.TenantContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * Stored files ({@link WebServer#FILES_PATH}) answered on Jetty's core API, ahead of the servlet layer and Javalin
 * ({@link DirectFilePath}): the hottest route, whose common case needs none of what those layers do. The feature
 * that serves files also registers the same path as an ordinary route, the "full path", which answers everything
 * this one leaves to it, so the two must give the same answer for what this one answers.
 */
public interface DirectFiles {
    /**
     * The answer to a GET ({@code head} false) or HEAD of {@code key} for {@code tenant}, or null to leave the request
     * to the full path (a key it does not accept, a file it does not hold in memory or cannot find, an answer other
     * than 200, 206 or 304). Must not block for long: at most a file-system check.
     *
     * @param key     the path after {@link WebServer#FILES_PATH}, as sent (no percent-escapes); not yet validated
     * @param headers the request's headers
     */
    DirectAnswer answer(TenantContext tenant, String key, boolean head, HttpFields headers) throws IOException;

    /**
     * An answer: the status (200, 206 or 304), the response headers besides the request id and the security headers
     * (Content-Length included), and the body (null for none: HEAD, 304), which the caller may consume.
     */
    record DirectAnswer(int status, List<HttpField> headers, ByteBuffer body) {}
}
