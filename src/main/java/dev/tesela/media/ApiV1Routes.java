package dev.tesela.media;

import dev.tesela.account.AuthEdge;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.error.Outages;
import dev.tesela.platform.web.RequestBodies;
import dev.tesela.platform.web.Routes;
import dev.tesela.platform.web.UrlEncodedForm;
import dev.tesela.platform.web.WebKeys;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API v1: {@code /api/1/upload} (with or without a trailing slash, GET or POST), the upload endpoint existing
 * clients speak. Parameters may come from the query, a urlencoded body or a multipart body. The key comes from
 * {@code X-API-Key} or the {@code key} parameter: a user's API key, or the site's public guest key when the
 * administrator enabled guest API uploads; {@link AuthEdge} checks it (this class only reads what it found, and hands
 * it a key that came inside the body). Errors keep the reference envelope: HTTP 400 with a JSON body
 * (or the bare message with {@code format=txt|redirect}); 503 with Retry-After when the server is saturated.
 */
public final class ApiV1Routes implements Routes {
    private static final Logger log = LoggerFactory.getLogger(ApiV1Routes.class);
    /** Paths authenticated by API key alone: no cookies are read for them, so they need no CSRF token. */
    public static final java.util.List<String> KEY_AUTHENTICATED_PATHS = java.util.List.of("/api/", "/1/upload");
    /** Fields that may carry an upload as text (base64), and so may be longer than any other field. */
    private static final Set<String> SOURCE_FIELDS = Set.of("source", "image");

    private final MediaService media;
    private final AuthEdge auth;
    private final RequestBodies bodies;
    private final Path spillDir;
    private final boolean https;
    private final Clock clock;

    /** @param spillDir where long urlencoded source fields are written while the request is served */
    public ApiV1Routes(
            MediaService media, AuthEdge auth, RequestBodies bodies, Path spillDir, boolean https, Clock clock) {
        this.media = media;
        this.auth = auth;
        this.bodies = bodies;
        this.spillDir = spillDir;
        this.https = https;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        for (String path : new String[] {"/api/1/upload", "/api/1/upload/", "/1/upload", "/1/upload/"}) {
            routes.get(path, this::upload);
            routes.post(path, this::upload);
        }
        routes.get("/api/{version}/{action}", this::unknown);
        routes.post("/api/{version}/{action}", this::unknown);
        routes.get("/api/{version}", this::unknown);
        routes.post("/api/{version}", this::unknown);
    }

    /** Error codes of API v1 that clients branch on. */
    enum ApiCode {
        INVALID_KEY(100),
        DUPLICATE(101),
        VERSION(110),
        ACTION(120),
        EMPTY_SOURCE(130),
        DENIED(401),
        INVALID(400),
        BUSY(503),
        INTERNAL(500),
        LIMIT(999),
        /** A body over the size cap: HTTP 413, with the code of invalid input. */
        TOO_LARGE(400);

        final int code;

        ApiCode(int code) {
            this.code = code;
        }
    }

    private void unknown(Context ctx) {
        boolean v1 = "1".equals(ctx.pathParam("version"));
        Params query = new QueryParams(ctx);
        fail(
                ctx,
                format(query),
                imgbbMode(query),
                v1 ? ApiCode.ACTION : ApiCode.VERSION,
                v1 ? "Invalid API action." : "Invalid API version.");
    }

    /**
     * Order of work, so that no refused request makes the server read its body: a declared Content-Length over
     * the cap is refused; a key sent as header or query parameter (checked by {@link AuthEdge} before this ran) must
     * have been accepted; only then is the body read, to disk and within a reader slot ({@link RequestBodies}); a key
     * that only comes inside the body is checked after it.
     */
    private void upload(Context ctx) {
        Params query = new QueryParams(ctx);
        String format = format(query);
        boolean imgbb = imgbbMode(query);
        try {
            bodies.refuseDeclaredOversize(ctx);
            AuthEdge.KeyCheck early = AuthEdge.keyCheck(ctx);
            if (early == AuthEdge.KeyCheck.REFUSED) {
                throw invalidKey();
            }
            try (Params params = readParams(ctx, query)) {
                format = format(params);
                imgbb = imgbbMode(params);
                if (early == AuthEdge.KeyCheck.NONE) {
                    String key = params.get("key");
                    if (key == null) {
                        throw new AppException(
                                ErrorCode.UNAUTHORIZED,
                                "No API key: send it as the X-API-Key header or the key parameter.");
                    }
                    if (!auth.authenticateKey(ctx, key)) {
                        throw invalidKey();
                    }
                }
                RequestContext rc = WebKeys.rc(ctx);
                UploadSource source = source(ctx, params, imgbb);
                UploadResult result = media.upload(
                        rc,
                        new UploadRequest(
                                source,
                                first(params.get("title"), params.get("name")),
                                params.get("description"),
                                params.get("tags"),
                                params.get("album_id"),
                                params.get("category_id"),
                                params.get("width"),
                                params.get("expiration"),
                                params.get("nsfw"),
                                true));
                ImageLinks links = media.links(
                        rc,
                        WebKeys.baseUrl(ctx, https),
                        media.publicIds(rc).encode(result.image().id()),
                        result.image());
                switch (format) {
                    case "txt" -> ctx.contentType("text/plain; charset=utf-8").result(links.url());
                    case "redirect" -> ctx.redirect(links.pathViewer(), io.javalin.http.HttpStatus.FOUND);
                    default ->
                        ctx.json(ApiV1Json.success(
                                ApiV1Json.image(links, result.deleteSecret(), clock.instant()), imgbb));
                }
            }
        } catch (ApiFailure e) {
            fail(ctx, format, imgbb, e.code, e.getMessage());
        } catch (AppException e) {
            fail(ctx, format, imgbb, apiCode(e), e.publicMessage());
        } catch (IOException | UncheckedIOException e) {
            fail(ctx, format, imgbb, ApiCode.INVALID, "The upload could not be read: the connection ended early.");
        } catch (RuntimeException e) {
            var outage = Outages.classify(e);
            if (outage.isPresent()) {
                // The database or Redis is down, or the pool is exhausted: 503 + Retry-After, logged without a trace.
                log.warn("API v1 upload answered 503: {}", e.toString());
                fail(ctx, format, imgbb, apiCode(outage.get()), outage.get().publicMessage());
                return;
            }
            log.error("API v1 upload failed", e);
            fail(ctx, format, imgbb, ApiCode.INTERNAL, "Something went wrong on our side. The error was logged.");
        }
    }

    private static AppException invalidKey() {
        return new AppException(ErrorCode.UNAUTHORIZED, "Invalid API key.");
    }

    /** Reads the body (urlencoded or multipart POST) to disk; the query alone for anything else. */
    private Params readParams(Context ctx, Params query) throws IOException {
        if (ctx.method() != HandlerType.POST) {
            return query;
        }
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/form-data")) {
            bodies.readMultipart(ctx);
            return new MultipartParams(ctx, query);
        }
        if (type.startsWith("application/x-www-form-urlencoded")) {
            try (RequestBodies.Slot slot = bodies.slot(ctx);
                    InputStream in = bodies.stream(ctx)) {
                return new FormParams(UrlEncodedForm.read(in, SOURCE_FIELDS, spillDir), query);
            }
        }
        return query;
    }

    private static UploadSource source(Context ctx, Params params, boolean imgbb) throws IOException {
        String field = imgbb ? "image" : "source";
        Optional<UploadSource> file = params.file(field).or(() -> imgbb ? Optional.empty() : params.file("image"));
        if (file.isPresent()) {
            return file.get();
        }
        Optional<UploadSource.StreamOpener> large = params.largeText(field);
        if (large.isPresent()) {
            // Longer than any URL this API takes: base64 (anything else is refused while it is decoded).
            return new UploadSource.Base64Text(large.get());
        }
        String text = params.get(field);
        if (text == null) {
            throw new ApiFailure(ApiCode.EMPTY_SOURCE, "Empty upload source.");
        }
        String lower = text.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("ftp://")) {
            return new UploadSource.RemoteUrl(text.strip());
        }
        if (ctx.method() != HandlerType.POST) {
            throw new ApiFailure(ApiCode.EMPTY_SOURCE, "Base64 sources must be sent with POST.");
        }
        return UploadSource.Base64Text.of(text);
    }

    private static ApiCode apiCode(AppException e) {
        return switch (e.code()) {
            case UNAUTHORIZED -> ApiCode.INVALID_KEY;
            case CONFLICT -> ApiCode.DUPLICATE;
            case FORBIDDEN -> ApiCode.DENIED;
            case LIMIT_REACHED -> ApiCode.LIMIT;
            case BUSY, UNAVAILABLE -> ApiCode.BUSY;
            case PAYLOAD_TOO_LARGE -> ApiCode.TOO_LARGE;
            case INTERNAL -> ApiCode.INTERNAL;
            default -> ApiCode.INVALID;
        };
    }

    /** A failure specific to the API v1 request shape, with its own code. */
    private static final class ApiFailure extends RuntimeException {
        final ApiCode code;

        ApiFailure(ApiCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private static void fail(Context ctx, String format, boolean imgbb, ApiCode code, String message) {
        int status = switch (code) {
            case BUSY -> 503;
            case INTERNAL -> 500;
            case TOO_LARGE -> 413;
            default -> 400;
        };
        if (code == ApiCode.BUSY) {
            ctx.header("Retry-After", "5");
        }
        if (!format.equals("json")) {
            // Plain-text formats carry the bare message; clients that asked for them read the body, not the status.
            ctx.status(status == 400 ? 200 : status)
                    .contentType("text/plain; charset=utf-8")
                    .result(message);
            return;
        }
        ctx.status(status).json(ApiV1Json.error(status, message, code.code, imgbb));
    }

    private static String format(Params params) {
        String f = params.get("format");
        return f != null && (f.equals("txt") || f.equals("redirect")) ? f : "json";
    }

    /** ImgBB's request shape: the file comes as {@code image} and there is no {@code source}. */
    private static boolean imgbbMode(Params params) {
        return !params.has("source") && params.has("image");
    }

    /**
     * The request's parameters: the body's before the query's; a blank value counts as absent. Closing them
     * deletes what the body spilled to disk.
     */
    private interface Params extends AutoCloseable {
        String get(String name);

        /** True when {@code name} is present in any form: value, spilled value or file part. */
        default boolean has(String name) {
            return get(name) != null
                    || file(name).isPresent()
                    || largeText(name).isPresent();
        }

        /** A file part named {@code name} (multipart with a file name). */
        default Optional<UploadSource> file(String name) {
            return Optional.empty();
        }

        /** A text value too long to keep in memory, as a stream of its bytes. */
        default Optional<UploadSource.StreamOpener> largeText(String name) {
            return Optional.empty();
        }

        @Override
        default void close() {}
    }

    private record QueryParams(Context ctx) implements Params {
        @Override
        public String get(String name) {
            return blankToNull(ctx.queryParam(name));
        }
    }

    private record FormParams(UrlEncodedForm form, Params query) implements Params {
        @Override
        public String get(String name) {
            if (form.spilledFile(name).isPresent()) {
                return null;
            }
            String value = blankToNull(form.value(name));
            return value != null ? value : query.get(name);
        }

        @Override
        public Optional<UploadSource.StreamOpener> largeText(String name) {
            return form.spilledFile(name).map(file -> () -> Files.newInputStream(file));
        }

        @Override
        public void close() {
            form.close();
        }
    }

    /** Parts of a multipart body that Jetty has already read to disk ({@link RequestBodies#readMultipart}). */
    private record MultipartParams(Context ctx, Params query) implements Params {
        @Override
        public String get(String name) {
            Part part = part(name);
            if (part == null || part.getSubmittedFileName() != null || part.getSize() > UrlEncodedForm.INLINE_BYTES) {
                return part == null ? query.get(name) : null;
            }
            try (InputStream in = part.getInputStream()) {
                return blankToNull(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Optional<UploadSource> file(String name) {
            Part part = part(name);
            if (part == null || part.getSubmittedFileName() == null) {
                return Optional.empty();
            }
            return Optional.of(new UploadSource.FilePart(
                    part::getInputStream, part.getSubmittedFileName(), part.getContentType()));
        }

        @Override
        public Optional<UploadSource.StreamOpener> largeText(String name) {
            Part part = part(name);
            if (part == null || part.getSubmittedFileName() != null || part.getSize() <= UrlEncodedForm.INLINE_BYTES) {
                return Optional.empty();
            }
            if (!SOURCE_FIELDS.contains(name)) {
                throw new AppException(ErrorCode.BAD_REQUEST, "The form field '" + name + "' is too long.");
            }
            return Optional.of(part::getInputStream);
        }

        private Part part(String name) {
            try {
                return ctx.req().getPart(name);
            } catch (IOException | jakarta.servlet.ServletException e) {
                throw new AppException(
                        ErrorCode.BAD_REQUEST, "The upload could not be read: the multipart body is malformed.");
            }
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String first(String a, String b) {
        return a != null && !a.isBlank() ? a : b;
    }
}
