package dev.tesela.media;

import dev.tesela.account.Access;
import dev.tesela.account.Access.Action;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The "check" step of an upload: whether the caller may upload at all and how much, the tenant's limits, the album
 * and category it names, whether a URL may be fetched for it, and the duplicate rule. Everything here runs before the
 * work it guards (before receiving, or before storing); permissions are asked of {@link Access}, queries of
 * {@link MediaRepository}. Thread-safe.
 */
final class UploadChecks {
    private final PerTenant tenant;
    private final MediaRepository repository;
    private final long hardMaxBytes;
    private final Clock clock;

    /** @param hardMaxBytes the installation's cap on any upload (TESELA_UPLOAD_MAX_MB) */
    UploadChecks(PerTenant tenant, MediaRepository repository, long hardMaxBytes, Clock clock) {
        this.tenant = tenant;
        this.repository = repository;
        this.hardMaxBytes = hardMaxBytes;
        this.clock = clock;
    }

    /** The site's uploads as a resource of the access rules. */
    static Access.Resource.Uploads uploads(MediaSettings site) {
        return new Access.Resource.Uploads(site.uploadsEnabled(), site.guestUploads(), site.urlUploads());
    }

    boolean allowed(RequestContext rc, MediaSettings site) {
        return Access.allows(rc, Action.UPLOAD, uploads(site));
    }

    /** UNAUTHORIZED for a guest who may not upload (signing in may help), FORBIDDEN for a user. */
    void requireAllowed(RequestContext rc, MediaSettings site) {
        Access.require(rc, Action.UPLOAD, uploads(site));
    }

    /** The largest file the caller may upload: the site's setting for guests or users, under the installation's cap and the tenant's limit. */
    long maxBytes(RequestContext rc, MediaSettings site) {
        long bySite = Math.min(
                hardMaxBytes, rc.principal() instanceof Principal.Guest ? site.maxBytesGuest() : site.maxBytesUser());
        return Math.min(bySite, tenant.limit(rc, TenantLimits.Limit.UPLOAD_SIZE).orElse(Long.MAX_VALUE));
    }

    /** The request's fields, validated, with the tags beyond the tenant's TAGS_PER_FILE dropped. */
    UploadFields fields(RequestContext rc, MediaSettings site, UploadRequest request) {
        return UploadFields.parse(request, site, rc.principal(), clock)
                .withTagsCappedAt(tenant.limit(rc, TenantLimits.Limit.TAGS_PER_FILE));
    }

    /**
     * Where the upload goes: an album of the caller's (one they may not use is ignored, as is one that does not exist)
     * and a category that exists (else none).
     *
     * @param albumId    null: no album
     * @param categoryId null: no category
     */
    record Destination(Long albumId, Long categoryId) {}

    /**
     * The tenant's limits that an upload must fit before any work is done (MIN_STORAGES_ACTIVE, FILES), then the
     * upload's album and category. Two uploads racing for the last free file slot may both pass (at most one over per
     * concurrent upload): the price of not counting rows inside every upload's transaction.
     */
    Destination beforeWork(RequestContext rc, UploadFields fields) {
        long required = tenant.limit(rc, TenantLimits.Limit.MIN_STORAGES_ACTIVE).orElse(0);
        if (required > 0 && tenant.storages(rc).activeExternal() < required) {
            throw new AppException(
                    ErrorCode.LIMIT_REACHED,
                    "Uploads are blocked until " + required
                            + " external storage(s) are active on this site (an administrator must add them).");
        }
        if (tenant.limit(rc, TenantLimits.Limit.FILES).isPresent()) { // the count only where there is a limit
            tenant.requireRoomFor(rc, TenantLimits.Limit.FILES, repository.countImages(tenant.db(rc)));
        }
        Long albumId = fields.album(tenant.ids(rc))
                .filter(id -> repository
                        .albumOwner(tenant.db(rc), id)
                        .map(owner -> Access.allows(rc, Action.ADD_TO_ALBUM, new Access.Resource.Album(owner)))
                        .orElse(false))
                .orElse(null);
        Long categoryId = fields.categoryId()
                .filter(id -> repository.categoryExists(tenant.db(rc), id))
                .orElse(null);
        return new Destination(albumId, categoryId);
    }

    /** Refuses a URL to fetch unless the caller may have one fetched; other sources pass. */
    void requireSourceAllowed(RequestContext rc, MediaSettings site, UploadSource source) {
        if (source instanceof UploadSource.RemoteUrl) {
            Access.require(rc, Action.UPLOAD_FROM_URL, uploads(site));
        }
    }

    /**
     * The duplicate rule: unless the site allows duplicates (or the caller may pass the rule), CONFLICT when an image
     * with this content (as stored, or as uploaded before it was altered) exists in the site's scope: the whole site,
     * the caller's own uploads (a guest's: the guest uploads from the caller's address), or by default every upload
     * from the caller's address; only those of the last {@code upload_duplicate_window_hours} when that is set.
     */
    void rejectDuplicate(RequestContext rc, MediaSettings site, String sha256) {
        if (site.duplicatesAllowed() || Access.allows(rc, Action.UPLOAD_DUPLICATE, uploads(site))) {
            return;
        }
        MediaRepository.Earlier among = switch (site.duplicateScope()) {
            case "site" -> new MediaRepository.Earlier.All();
            case "user" ->
                rc.principal() instanceof Principal.User u
                        ? new MediaRepository.Earlier.ByUser(u.userId())
                        : new MediaRepository.Earlier.ByGuestsAt(rc.clientIp());
            default -> new MediaRepository.Earlier.FromAddress(rc.clientIp());
        };
        Instant since = site.duplicateWindowHours() > 0
                ? clock.instant().minus(Duration.ofHours(site.duplicateWindowHours()))
                : null;
        if (repository.duplicateExists(tenant.db(rc), sha256, among, since)) {
            throw new AppException(ErrorCode.CONFLICT, "Duplicated upload: this image was uploaded already.");
        }
    }
}
