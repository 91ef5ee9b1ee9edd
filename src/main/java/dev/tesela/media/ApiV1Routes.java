package dev.tesela.media;

import dev.tesela.account.AccountService;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.web.Routes;
import dev.tesela.platform.web.WebKeys;
import dev.tesela.settings.SettingsService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.UploadedFile;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API v1: {@code /api/1/upload} (with or without a trailing slash, GET or POST), the upload endpoint existing
 * clients speak. Parameters may come from the query, a urlencoded body or a multipart body. The key comes from
 * {@code X-API-Key} or the {@code key} parameter: a user's API key, or the site's public guest key when the
 * administrator enabled guest API uploads. Errors keep the reference envelope: HTTP 400 with a JSON body
 * (or the bare message with {@code format=txt|redirect}); 503 with Retry-After when the server is saturated.
 */
public final class ApiV1Routes implements Routes {
    private static final Logger log = LoggerFactory.getLogger(ApiV1Routes.class);
    /** Paths authenticated by API key alone: no cookies are read for them, so they need no CSRF token. */
    public static final java.util.List<String> KEY_AUTHENTICATED_PATHS = java.util.List.of("/api/", "/1/upload");
    private final MediaService media;
    private final AccountService accounts;
    private final SettingsService settings;
    private final boolean https;
    private final Clock clock;

    public ApiV1Routes(MediaService media, AccountService accounts, SettingsService settings, boolean https, Clock clock) {
        this.media = media;
        this.accounts = accounts;
        this.settings = settings;
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
        INVALID_KEY(100), DUPLICATE(101), VERSION(110), ACTION(120), EMPTY_SOURCE(130), DENIED(401), INVALID(400),
        BUSY(503), INTERNAL(500), LIMIT(999);

        final int code;

        ApiCode(int code) {
            this.code = code;
        }
    }

    private void unknown(Context ctx) {
        boolean v1 = "1".equals(ctx.pathParam("version"));
        fail(ctx, format(ctx), imgbbMode(ctx), v1 ? ApiCode.ACTION : ApiCode.VERSION, v1 ? "Invalid API action." : "Invalid API version.");
    }

    private void upload(Context ctx) {
        String format = format(ctx);
        boolean imgbb = imgbbMode(ctx);
        try {
            RequestContext rc = authenticate(ctx);
            UploadSource source = source(ctx, imgbb);
            UploadResult result = media.upload(rc, new UploadRequest(source, first(param(ctx, "title"), param(ctx, "name")),
                    param(ctx, "description"), param(ctx, "tags"), param(ctx, "album_id"), param(ctx, "category_id"),
                    param(ctx, "width"), param(ctx, "expiration"), param(ctx, "nsfw"), true));
            ImageLinks links = new ImageLinks(WebKeys.baseUrl(ctx, https), media.publicIds(rc).encode(result.image().id()), result.image());
            switch (format) {
                case "txt" -> ctx.contentType("text/plain; charset=utf-8").result(links.url());
                case "redirect" -> ctx.redirect(links.pathViewer(), io.javalin.http.HttpStatus.FOUND);
                default -> ctx.json(ApiV1Json.success(ApiV1Json.image(links, result.deleteSecret(), clock.instant()), imgbb));
            }
        } catch (ApiFailure e) {
            fail(ctx, format, imgbb, e.code, e.getMessage());
        } catch (AppException e) {
            fail(ctx, format, imgbb, apiCode(e), e.publicMessage());
        } catch (RuntimeException e) {
            log.error("API v1 upload failed", e);
            fail(ctx, format, imgbb, ApiCode.INTERNAL, "Something went wrong on our side. The error was logged.");
        }
    }

    private RequestContext authenticate(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        String key = first(ctx.header("X-API-Key"), param(ctx, "key"));
        if (key == null) {
            throw new AppException(ErrorCode.UNAUTHORIZED, "No API key: send it as the X-API-Key header or the key parameter.");
        }
        var user = accounts.authenticateApiKey(rc.tenant(), key);
        if (user.isPresent()) {
            return rc.withPrincipal(user.get());
        }
        Map<String, String> site = settings.all(rc);
        String guestKey = site.getOrDefault("api_v1_key", "");
        if ("1".equals(site.get("enable_api_guest")) && !guestKey.isEmpty() && Crypto.constantTimeEquals(guestKey, key)) {
            return rc.withPrincipal(Principal.GUEST);
        }
        throw new AppException(ErrorCode.UNAUTHORIZED, "Invalid API key.");
    }

    private static UploadSource source(Context ctx, boolean imgbb) {
        String field = imgbb ? "image" : "source";
        if (isMultipart(ctx)) {
            UploadedFile file = ctx.uploadedFile(field);
            if (file == null && !imgbb) {
                file = ctx.uploadedFile("image");
            }
            if (file != null) {
                UploadedFile part = file;
                return new UploadSource.FilePart(part::content, part.filename(), part.contentType());
            }
        }
        String text = param(ctx, field);
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
        return new UploadSource.Base64Text(text);
    }

    private static ApiCode apiCode(AppException e) {
        return switch (e.code()) {
            case UNAUTHORIZED -> ApiCode.INVALID_KEY;
            case CONFLICT -> ApiCode.DUPLICATE;
            case FORBIDDEN -> ApiCode.DENIED;
            case LIMIT_REACHED -> ApiCode.LIMIT;
            case BUSY, UNAVAILABLE -> ApiCode.BUSY;
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
        int status = code == ApiCode.BUSY ? 503 : code == ApiCode.INTERNAL ? 500 : 400;
        if (code == ApiCode.BUSY) {
            ctx.header("Retry-After", "5");
        }
        if (!format.equals("json")) {
            // Plain-text formats carry the bare message; clients that asked for them read the body, not the status.
            ctx.status(status == 400 ? 200 : status).contentType("text/plain; charset=utf-8").result(message);
            return;
        }
        ctx.status(status).json(ApiV1Json.error(status, message, code.code, imgbb));
    }

    private static String format(Context ctx) {
        String f = param(ctx, "format");
        return f != null && (f.equals("txt") || f.equals("redirect")) ? f : "json";
    }

    private static boolean imgbbMode(Context ctx) {
        return param(ctx, "source") == null && (param(ctx, "image") != null || (isMultipart(ctx) && ctx.uploadedFile("image") != null
                && ctx.uploadedFile("source") == null));
    }

    /** A request parameter from the body (urlencoded or multipart) or the query; blank counts as absent. */
    static String param(Context ctx, String name) {
        String value = null;
        if (ctx.method() == HandlerType.POST && isForm(ctx)) {
            value = ctx.formParam(name);
        }
        if (value == null) {
            value = ctx.queryParam(name);
        }
        return value == null || value.isBlank() ? null : value;
    }

    private static boolean isForm(Context ctx) {
        String type = ctx.contentType();
        return type != null && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data"));
    }

    private static boolean isMultipart(Context ctx) {
        String type = ctx.contentType();
        return ctx.method() == HandlerType.POST && type != null && type.startsWith("multipart/form-data");
    }

    private static String first(String a, String b) {
        return a != null && !a.isBlank() ? a : b;
    }
}
