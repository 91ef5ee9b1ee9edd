package dev.tesela.media;

import dev.tesela.account.Access;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.web.LayoutFactory;
import dev.tesela.platform.web.Routes;
import dev.tesela.platform.web.Templates;
import dev.tesela.platform.web.WebKeys;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.UploadedFile;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The web side of media: direct files, the viewer page, the delete link, and the upload page with its endpoint
 * (the browser uploader posts here with its CSRF token and gets the API v1 JSON shape back).
 */
public final class MediaRoutes implements Routes {
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final tools.jackson.databind.json.JsonMapper JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();
    private final MediaService media;
    private final Templates templates;
    private final LayoutFactory layouts;
    private final FileServer files;
    private final boolean https;
    private final Clock clock;

    public MediaRoutes(MediaService media, Templates templates, LayoutFactory layouts, boolean https, Clock clock) {
        this.media = media;
        this.templates = templates;
        this.layouts = layouts;
        this.files = new FileServer(media);
        this.https = https;
        this.clock = clock;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get("/images/<key>", files::serve);
        routes.head("/images/<key>", files::serve);
        routes.get("/image/{ref}", this::viewer);
        routes.get("/image/{id}/delete/{secret}", this::confirmDelete);
        routes.post("/image/{id}/delete/{secret}", this::deleteWithSecret);
        routes.post("/image/{id}/delete", this::deleteAsOwner);
        routes.get("/upload", this::uploadPage);
        routes.post("/upload", this::upload);
    }

    @Override
    public java.util.Optional<dev.tesela.platform.web.DirectFiles> directFiles() {
        return java.util.Optional.of(files);
    }

    private void viewer(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        String ref = ctx.pathParam("ref");
        String publicId = ref.substring(ref.lastIndexOf('.') + 1);
        StoredImage image = media.find(rc, publicId).orElseThrow(MediaRoutes::noSuchImage);
        ImageLinks links = media.links(rc, WebKeys.baseUrl(ctx, https), publicId, image);
        if (!links.pathViewer().equals(ctx.path())) {
            ctx.redirect(links.pathViewer(), HttpStatus.FOUND);
            return;
        }
        boolean canDelete = Access.allows(rc, Access.Action.DELETE_IMAGE, new Access.Resource.Image(image.ownerId()));
        StoredImage.Variant display = image.variant("medium").orElse(null);
        templates.render(
                ctx,
                "image.jte",
                new ImagePage(
                        layouts.forPage(ctx),
                        image.title() == null ? "Untitled image" : image.title(),
                        image.description(),
                        image.ownerUsername(),
                        links.displayUrl(),
                        display == null ? image.width() : display.width(),
                        display == null ? image.height() : display.height(),
                        links.url(),
                        Sizes.format(image.byteSize()),
                        image.mediaType(),
                        DAY.format(image.createdAt()),
                        image.expiresAt() == null ? null : DAY.format(image.expiresAt()),
                        image.tags(),
                        Embeds.of(links),
                        publicId,
                        canDelete,
                        exif(image.exifJson())));
    }

    /** The stored EXIF JSON as an ordered map; empty when there is none or it cannot be read. */
    private static java.util.Map<String, String> exif(String json) {
        if (json == null || json.isBlank()) {
            return java.util.Map.of();
        }
        try {
            java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
            JSON.readTree(json)
                    .properties()
                    .forEach(e -> out.put(e.getKey(), e.getValue().asString()));
            return out;
        } catch (RuntimeException e) {
            return java.util.Map.of();
        }
    }

    private void confirmDelete(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        StoredImage image = media.find(rc, ctx.pathParam("id")).orElseThrow(MediaRoutes::noSuchImage);
        ImageLinks links = media.links(rc, WebKeys.baseUrl(ctx, https), ctx.pathParam("id"), image);
        templates.render(
                ctx,
                "delete.jte",
                new DeletePage(
                        layouts.forPage(ctx),
                        image.title() == null ? "Untitled image" : image.title(),
                        links.thumbUrl(),
                        ctx.path(),
                        false));
    }

    private void deleteWithSecret(Context ctx) {
        if (!media.deleteWithSecret(WebKeys.rc(ctx), ctx.pathParam("id"), ctx.pathParam("secret"))) {
            throw noSuchImage();
        }
        templates.render(ctx, "delete.jte", new DeletePage(layouts.forPage(ctx), "Image deleted", null, null, true));
    }

    private void deleteAsOwner(Context ctx) {
        media.delete(WebKeys.rc(ctx), ctx.pathParam("id"));
        templates.render(ctx, "delete.jte", new DeletePage(layouts.forPage(ctx), "Image deleted", null, null, true));
    }

    private void uploadPage(Context ctx) {
        templates.render(ctx, "upload.jte", UploadPage.of(layouts.forPage(ctx), media.uploadOptions(WebKeys.rc(ctx))));
    }

    private void upload(Context ctx) {
        RequestContext rc = WebKeys.rc(ctx);
        UploadedFile file = ctx.uploadedFile("source");
        UploadSource source =
                file == null ? null : new UploadSource.FilePart(file::content, file.filename(), file.contentType());
        UploadResult result = media.upload(
                rc,
                new UploadRequest(
                        source,
                        ctx.formParam("title"),
                        ctx.formParam("description"),
                        ctx.formParam("tags"),
                        ctx.formParam("album_id"),
                        ctx.formParam("category_id"),
                        ctx.formParam("width"),
                        ctx.formParam("expiration"),
                        ctx.formParam("nsfw"),
                        false));
        ImageLinks links = media.links(
                rc,
                WebKeys.baseUrl(ctx, https),
                media.publicIds(rc).encode(result.image().id()),
                result.image());
        ctx.json(ApiV1Json.success(ApiV1Json.image(links, result.deleteSecret(), clock.instant()), false));
    }

    private static AppException noSuchImage() {
        return AppException.notFound(
                "There is no image at this address. It may have been deleted or may have expired.");
    }
}
