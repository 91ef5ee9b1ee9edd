package dev.tesela.platform.web;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import io.javalin.http.Context;
import jakarta.servlet.MultipartConfigElement;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Limits on request bodies, applied before and while they are read, so no body can exhaust the heap, the disk or
 * the server's threads:
 * <ul>
 *   <li>a declared Content-Length over {@code maxBytes} is refused (413) before a byte of the body is read;</li>
 *   <li>a body of unknown length (chunked) is cut off (413) once it passes {@code maxBytes};</li>
 *   <li>at most {@code readers} large bodies (over {@link #LARGE_BYTES} declared, or of unknown length) are read at
 *       once; one more is answered 503 with Retry-After after a short wait ({@link #READER_WAIT}).</li>
 * </ul>
 * Bodies themselves are streamed to disk by their readers (Jetty's multipart parser, {@link UrlEncodedForm}).
 * Thread-safe.
 */
public final class RequestBodies {
    /** Bodies larger than this (bytes, declared) or of unknown length need a reader slot. */
    public static final long LARGE_BYTES = 1024 * 1024;
    /** How long a large body waits for a reader slot before it is answered 503. */
    static final Duration READER_WAIT = Duration.ofMillis(500);

    /** The request attribute where Jetty looks for the multipart settings of a request. */
    private static final String MULTIPART_CONFIG = "org.eclipse.jetty.multipartConfig";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RequestBodies.class);

    private final long maxBytes;
    private final Semaphore readers;
    private final Path tempDir;
    private final long maxFileBytes;
    private final MultipartConfigElement multipart;

    /**
     * @param maxBytes     largest body accepted, in bytes (TESELA_HTTP_MAX_REQUEST_MB)
     * @param readers      large bodies read at once (TESELA_HTTP_BODY_READERS), at least 1
     * @param tempDir      where multipart parts over 64 KB and long form fields are spilled while a request runs
     * @param maxFileBytes largest multipart part (TESELA_UPLOAD_MAX_MB); a multipart body may be 1 MB larger
     */
    public RequestBodies(long maxBytes, int readers, Path tempDir, long maxFileBytes) {
        this.maxBytes = maxBytes;
        this.readers = new Semaphore(readers);
        this.tempDir = tempDir;
        this.maxFileBytes = maxFileBytes;
        this.multipart = new MultipartConfigElement(tempDir.toString(), maxFileBytes, multipartMaxBytes(), 64 * 1024);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public Path tempDir() {
        return tempDir;
    }

    long maxFileBytes() {
        return maxFileBytes;
    }

    /**
     * Refuses (413) a request whose declared Content-Length is over its cap, without reading its body: a multipart
     * body may be {@link #multipartMaxBytes()} (one file of the upload cap plus its fields), any other
     * {@code maxBytes}.
     */
    public void refuseDeclaredOversize(Context ctx) {
        long cap = isMultipart(ctx) ? multipartMaxBytes() : maxBytes;
        if (ctx.req().getContentLengthLong() > cap) {
            throw tooLarge(cap);
        }
    }

    /** The largest multipart body: one file of the upload cap and 1 MB of other fields. */
    long multipartMaxBytes() {
        return maxFileBytes + 1024 * 1024;
    }

    public AppException tooLarge() {
        return tooLarge(maxBytes);
    }

    private static AppException tooLarge(long cap) {
        return new AppException(
                ErrorCode.PAYLOAD_TOO_LARGE, "The request is too large: the limit is " + mebibytes(cap) + ".");
    }

    static boolean isMultipart(Context ctx) {
        String type = ctx.contentType();
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data");
    }

    /** A slot held while a body is read; closing it twice is harmless. */
    public interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A reader slot for {@code ctx}'s body, to hold while the body is read: free (no slot taken) for a small
     * declared body; for a large or unknown-length one, waits up to {@link #READER_WAIT} and then throws BUSY (503).
     */
    public Slot slot(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared >= 0 && declared <= LARGE_BYTES) {
            return () -> {};
        }
        boolean acquired;
        try {
            acquired = readers.tryAcquire(READER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new AppException(
                    ErrorCode.BUSY, "The server is receiving too many uploads at once. Try again in a few seconds.");
        }
        var released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                readers.release();
            }
        };
    }

    /** Reader slots free right now (for tests and metrics). */
    int freeSlots() {
        return readers.availablePermits();
    }

    /**
     * {@code ctx}'s body as a stream that throws 413 as soon as more than {@code maxBytes} came in (a chunked body
     * declares no length), and 400 when the client ends the connection early. The caller closes it.
     */
    public InputStream stream(Context ctx) throws IOException {
        return new CappedStream(ctx.req().getInputStream(), maxBytes, this::tooLarge);
    }

    /** A body that trickled in below the minimum rate (Jetty's 408, TESELA_HTTP_MIN_BODY_RATE_BYTES). */
    static AppException tooSlow() {
        return new AppException(
                ErrorCode.BAD_REQUEST, "The request body arrived too slowly; the connection was cut off.");
    }

    /**
     * Reads a multipart body to its parts, spilling parts to disk (Jetty's parser, configured in {@link WebServer}),
     * inside a reader slot. A body over the cap is 413, a malformed one or one cut short 400 — never a 500. The
     * parts are cached by the request, so Javalin's {@code uploadedFile}/{@code formParam} read them from there.
     */
    public void readMultipart(Context ctx) {
        refuseDeclaredOversize(ctx);
        try (Slot ignored = slot(ctx)) {
            if (ctx.req().getAttribute(MULTIPART_CONFIG) == null) {
                ctx.req().setAttribute(MULTIPART_CONFIG, multipart);
            }
            ctx.req().getParts();
        } catch (AppException e) {
            throw e;
        } catch (Exception e) {
            throw multipartFailure(e);
        }
    }

    /** Classifies a failure of Jetty's multipart parser: too large (413) or unreadable (400). */
    AppException multipartFailure(Throwable failure) {
        log.debug("Multipart body refused", failure);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AppException app) {
                return app;
            }
            if (t instanceof org.eclipse.jetty.http.HttpException http && http.getCode() == 413) {
                return tooLarge(multipartMaxBytes());
            }
            if (t instanceof org.eclipse.jetty.http.HttpException http && http.getCode() == 408) {
                return tooSlow();
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (message.contains("max")
                    && (message.contains("size") || message.contains("length") || message.contains("exceed"))) {
                return tooLarge(multipartMaxBytes());
            }
        }
        return new AppException(
                ErrorCode.BAD_REQUEST,
                "The upload could not be read: the multipart body is malformed or was cut short.");
    }

    private static String mebibytes(long bytes) {
        return bytes % (1024 * 1024) == 0 ? (bytes / (1024 * 1024)) + " MB" : bytes + " bytes";
    }

    /** Counts bytes as they are read and fails once there are more than allowed. */
    static final class CappedStream extends FilterInputStream {
        private final long limit;
        private final java.util.function.Supplier<AppException> tooLarge;
        private long count;

        CappedStream(InputStream in, long limit, java.util.function.Supplier<AppException> tooLarge) {
            super(in);
            this.limit = limit;
            this.tooLarge = tooLarge;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (org.eclipse.jetty.http.BadMessageException e) {
                // Jetty fails a read with 408 when the body comes in below the minimum data rate.
                throw e.getCode() == 408
                        ? tooSlow()
                        : new AppException(ErrorCode.BAD_REQUEST, "The request body could not be read.");
            }
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) {
            count += n;
            if (count > limit) {
                throw tooLarge.get();
            }
        }
    }
}
