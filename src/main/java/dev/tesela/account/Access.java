package dev.tesela.account;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;

/**
 * Who may do what: the one place where the rules of roles, ownership and guests are written (privacy and bans join
 * them when those features arrive): uploads, images and albums, and the administration of accounts and settings. Services ask {@link #require} before they act, whoever called them (a page, API
 * v1, the CLI, a job: the caller is only the principal in {@code rc}); handlers ask {@link #allows} only to decide
 * what to show, such as a delete button, never instead of the service's check.
 *
 * <p>Pure and thread-safe: no I/O. The resource carries the facts a rule needs (its owner, the site's switches), read
 * by the caller. A banned user never gets this far: authentication refuses them.
 */
public final class Access {
    private Access() {}

    /** What a caller wants to do; each action goes with one kind of {@link Resource}. */
    public enum Action {
        /** Upload an image to the site ({@link Resource.Uploads}). */
        UPLOAD,
        /** Have the server fetch an upload from a URL ({@link Resource.Uploads}). */
        UPLOAD_FROM_URL,
        /** Upload a file the site already has, past the duplicate rule ({@link Resource.Uploads}). */
        UPLOAD_DUPLICATE,
        /** Put an upload into an album ({@link Resource.Album}). */
        ADD_TO_ALBUM,
        /** Delete an image ({@link Resource.Image}); a delete link's secret is a separate capability. */
        DELETE_IMAGE,
        /** Create an account for someone ({@link Resource.Site}); signing up for oneself is not this. */
        CREATE_USER,
        /** Make an API key for any user ({@link Resource.Site}). */
        CREATE_API_KEY,
        /** Set a new password for any user ({@link Resource.Site}). */
        RESET_PASSWORD,
        /** Change the site's settings ({@link Resource.Site}). */
        CHANGE_SETTINGS,
        /** Add, test, edit, enable, disable or delete the site's storages, or list them ({@link Resource.Site}). */
        MANAGE_STORAGES
    }

    /** What an action is done to, with the facts the rules need. */
    public sealed interface Resource {
        /**
         * The site's uploads, as its settings stand.
         *
         * @param enabled  uploads are on (administrators may upload anyway)
         * @param guests   guests may upload (when uploads are on)
         * @param fromUrl  anyone who may upload may have a URL fetched (else administrators only)
         */
        record Uploads(boolean enabled, boolean guests, boolean fromUrl) implements Resource {}

        /** An image; {@code ownerId} is null for a guest's upload. */
        record Image(Long ownerId) implements Resource {}

        /** An album and the user who owns it. */
        record Album(long ownerId) implements Resource {}

        /** The site as a whole: its accounts and its settings. */
        record Site() implements Resource {}

        /** The one {@link Site}. */
        Site SITE = new Site();
    }

    /** Whether {@code rc}'s principal may do {@code action} to {@code resource}. */
    public static boolean allows(RequestContext rc, Action action, Resource resource) {
        Principal p = rc.principal();
        return switch (action) {
            case UPLOAD -> {
                Resource.Uploads site = expect(Resource.Uploads.class, action, resource);
                yield switch (p) {
                    case Principal.System s -> true;
                    case Principal.User u -> site.enabled() || u.role() == Principal.Role.ADMIN;
                    case Principal.Guest g -> site.enabled() && site.guests();
                };
            }
            case UPLOAD_FROM_URL ->
                expect(Resource.Uploads.class, action, resource).fromUrl() || p.isAdmin();
            case UPLOAD_DUPLICATE -> expect(Resource.Uploads.class, action, resource) != null && p.isAdmin();
            case ADD_TO_ALBUM -> {
                // Only the album's owner: not even an administrator files images into someone else's album.
                long owner = expect(Resource.Album.class, action, resource).ownerId();
                yield p instanceof Principal.User u && u.userId() == owner;
            }
            case DELETE_IMAGE -> {
                Long owner = expect(Resource.Image.class, action, resource).ownerId();
                yield switch (p) {
                    case Principal.System s -> true;
                    case Principal.User u -> u.role() != Principal.Role.USER || (owner != null && owner == u.userId());
                    case Principal.Guest g -> false;
                };
            }
            case CREATE_USER, CREATE_API_KEY, RESET_PASSWORD, CHANGE_SETTINGS, MANAGE_STORAGES ->
                expect(Resource.Site.class, action, resource) != null && p.isAdmin();
        };
    }

    /**
     * Refuses unless {@link #allows}: UNAUTHORIZED when signing in could change the answer (a guest who may not
     * upload), else FORBIDDEN, each with the message for people that says why.
     */
    public static void require(RequestContext rc, Action action, Resource resource) {
        if (allows(rc, action, resource)) {
            return;
        }
        boolean guest = rc.principal() instanceof Principal.Guest;
        throw switch (action) {
            case UPLOAD ->
                guest
                        ? new AppException(ErrorCode.UNAUTHORIZED, "Sign in to upload images.")
                        : AppException.forbidden("Uploads are disabled on this site.");
            case UPLOAD_FROM_URL -> AppException.forbidden("Uploading from a URL is not allowed for this account.");
            case UPLOAD_DUPLICATE ->
                new AppException(ErrorCode.CONFLICT, "Duplicated upload: this image was uploaded already.");
            case ADD_TO_ALBUM -> AppException.forbidden("You can only add images to your own albums.");
            case DELETE_IMAGE -> AppException.forbidden("Only the uploader or a moderator can delete this image.");
            case CREATE_USER -> AppException.forbidden("Only administrators can create users this way.");
            case CREATE_API_KEY -> AppException.forbidden("Only administrators can create API keys for other users.");
            case RESET_PASSWORD -> AppException.forbidden("Only administrators can reset passwords.");
            case CHANGE_SETTINGS -> AppException.forbidden("Only administrators can change settings.");
            case MANAGE_STORAGES -> AppException.forbidden("Only administrators can manage storages.");
        };
    }

    private static <R extends Resource> R expect(Class<R> kind, Action action, Resource resource) {
        if (!kind.isInstance(resource)) {
            throw new IllegalArgumentException(action + " applies to " + kind.getSimpleName() + ", not " + resource);
        }
        return kind.cast(resource);
    }
}
