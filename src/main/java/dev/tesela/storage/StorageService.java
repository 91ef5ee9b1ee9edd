package dev.tesela.storage;

import dev.tesela.account.Access;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantChanges;
import dev.tesela.platform.context.TenantLimits.Limit;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.jooq.exception.IntegrityConstraintViolationException;

/**
 * A site's storages as data (the use cases behind {@code tesela storage-*} and, later, the dashboard): add, list,
 * test, edit, enable, disable, delete, and which one takes the site's own files. Administrators and the system only.
 * Every change is announced ({@link TenantChanges#changed}) once it committed, so every instance replaces the site's
 * runtime and its {@link SiteStorages}. Credentials are sealed with the tenant's key before they are stored
 * ({@link StorageCredentials}) and never returned. No transaction is open while a storage is tested. Thread-safe.
 */
public final class StorageService {
    /** The region of an S3 storage added without one. */
    public static final String DEFAULT_REGION = "us-east-1";

    private static final StorageRepository REPOSITORY = new StorageRepository();
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final int MAX_NAME = 100;
    private static final int MAX_URL = 1024;
    private static final int MAX_CREDENTIAL = 1024;
    /** The content of the test object: small, recognisable. */
    private static final byte[] TEST_CONTENT = "Tesela storage test\n".getBytes(StandardCharsets.US_ASCII);

    private final StorageStores stores;
    private final TenantChanges changes;
    private final Clock clock;
    private final Path tmp;

    /** @param tmp a folder for the small file the round-trip test uploads */
    public StorageService(StorageStores stores, TenantChanges changes, Clock clock, Path tmp) {
        this.stores = stores;
        this.changes = changes;
        this.clock = clock;
        this.tmp = tmp;
    }

    /**
     * A storage's fields as given by an admin. For {@link #add}, null means "not given" (defaults apply); for
     * {@link #edit}, null means "unchanged", and {@code ""} clears an optional field (endpoint, public URL, key
     * prefix, capacity; {@code none} too for the capacity).
     *
     * @param api       {@code local} or {@code s3}
     * @param bucket    the bucket's name, or for {@code local} the folder (an absolute path)
     * @param capacity  a size such as {@code 50GB} (1024-based), or {@code none}
     * @param accessKey the access key (s3)
     * @param secretKey the secret key (s3); never logged
     */
    public record Fields(
            String name,
            String api,
            String bucket,
            String region,
            String endpoint,
            String publicUrl,
            String capacity,
            String keyPrefix,
            String accessKey,
            String secretKey,
            Boolean pathStyle,
            Boolean active,
            Boolean siteFiles) {

        /** No field given. */
        public static Fields none() {
            return new Fields(null, null, null, null, null, null, null, null, null, null, null, null, null);
        }

        @Override
        public String toString() {
            return "Fields[" + name + " " + api + " " + bucket + "]";
        }
    }

    /** A storage as admins see it: everything but its credentials (only whether it has them). */
    public record StorageView(
            long id,
            String name,
            String api,
            String bucket,
            Optional<String> region,
            Optional<String> endpoint,
            Optional<String> publicUrl,
            String keyPrefix,
            boolean pathStyle,
            boolean active,
            boolean siteFiles,
            OptionalLong capacityBytes,
            long usedBytes,
            boolean hasCredentials,
            Instant createdAt) {

        static StorageView of(StorageRow row) {
            return new StorageView(
                    row.id(),
                    row.name(),
                    row.api(),
                    row.bucket(),
                    row.region(),
                    row.endpoint(),
                    row.publicUrl(),
                    row.keyPrefix(),
                    row.pathStyle(),
                    row.active(),
                    row.forSiteFiles(),
                    row.capacityBytes(),
                    row.usedBytes(),
                    row.keySealed().isPresent() && row.secretSealed().isPresent(),
                    row.createdAt());
        }
    }

    /** Why a storage failed its round-trip test. */
    public enum Problem {
        UNREACHABLE("the storage cannot be reached, or did not answer in time"),
        ACCESS_DENIED("access denied: check the access key, the secret and the key's permissions on the bucket"),
        NO_SUCH_BUCKET("there is no such bucket (check its name and region)"),
        WRONG_ENDPOINT("the endpoint or region does not serve this bucket"),
        NOT_WRITABLE("the folder cannot be created or written"),
        CANNOT_OPEN("the storage cannot be opened"),
        WRONG_CONTENT("the object read back differs from the one written"),
        FAILED("the storage refused the request");

        private final String meaning;

        Problem(String meaning) {
            this.meaning = meaning;
        }

        public String meaning() {
            return meaning;
        }
    }

    /**
     * The outcome of a round trip (put, stat, get, delete of a small object under a random key).
     *
     * @param step    the step that failed ({@code open}, {@code put}, {@code stat}, {@code get}, {@code delete}); empty
     *                when it passed
     * @param detail  what the storage said (an exception's message), for the admin; never a credential
     */
    public record TestResult(
            boolean ok, Duration took, Optional<String> step, Optional<Problem> problem, String detail) {

        /** One line for people. */
        public String describe() {
            if (ok) {
                return "OK: put, stat, get and delete of a test object took " + took.toMillis() + " ms.";
            }
            return "FAILED at " + step.orElse("?") + " after " + took.toMillis() + " ms: "
                    + problem.map(Problem::meaning).orElse("") + (detail.isBlank() ? "" : " (" + detail + ")");
        }
    }

    /** The site's storages, by id. */
    public List<StorageView> list(RequestContext rc) {
        requireAdmin(rc);
        return REPOSITORY.all(rc.db().dsl()).stream().map(StorageView::of).toList();
    }

    public StorageView get(RequestContext rc, long id) {
        requireAdmin(rc);
        return StorageView.of(row(rc, id));
    }

    /**
     * Adds a storage: checks every field (all problems at once, INVALID_INPUT naming each), refuses api
     * {@code local} while local storage is disabled and a storage past TESELA_MAX_STORAGES (LIMIT_REACHED), then
     * (unless {@code test} is false) runs the round trip against it and saves it only when it passed.
     */
    public StorageView add(RequestContext rc, Fields fields, boolean test) {
        requireAdmin(rc);
        Checked checked = check(rc, fields, null);
        rc.tenant()
                .limits()
                .requireRoomFor(Limit.STORAGES, REPOSITORY.count(rc.db().dsl()));
        if (test) {
            requirePassed(roundTrip(checked.connection()));
        }
        var credentials = credentials(rc);
        long id = rc.db().transaction(cfg -> {
            var dsl = org.jooq.impl.DSL.using(cfg);
            rc.tenant().limits().requireRoomFor(Limit.STORAGES, REPOSITORY.count(dsl));
            long newId = REPOSITORY.insert(dsl, checked.row());
            if (checked.row().external()) {
                REPOSITORY.putCredentials(
                        dsl,
                        newId,
                        credentials.seal(
                                newId,
                                StorageCredentials.Field.KEY,
                                checked.connection().accessKey()),
                        credentials.seal(
                                newId,
                                StorageCredentials.Field.SECRET,
                                checked.connection().secretKey()));
            }
            if (checked.row().forSiteFiles()) {
                REPOSITORY.setSiteFiles(dsl, newId);
            }
            return newId;
        });
        changes.changed(rc.tenant().id());
        return StorageView.of(row(rc, id));
    }

    /** Runs the round trip against storage {@code id} as stored (credentials decrypted). */
    public TestResult test(RequestContext rc, long id) {
        requireAdmin(rc);
        StorageRow row = row(rc, id);
        StorageConnection connection;
        try {
            connection = StorageLoader.connection(row, credentials(rc));
        } catch (IllegalStateException e) {
            return new TestResult(
                    false, Duration.ZERO, Optional.of("open"), Optional.of(Problem.CANNOT_OPEN), e.getMessage());
        }
        return roundTrip(connection);
    }

    /**
     * Changes the given fields of storage {@code id} (same checks as {@link #add}; credentials kept when not given;
     * the api cannot change). When a connection field changes (bucket, region, endpoint, key prefix, credentials,
     * path style) the round trip runs again first (unless {@code test} is false). Bucket and key prefix cannot change
     * while images use the storage (their files would be lost). Disabling goes through the same rule as
     * {@link #setActive}.
     */
    public StorageView edit(RequestContext rc, long id, Fields fields, boolean test) {
        requireAdmin(rc);
        StorageRow before = row(rc, id);
        Checked checked = check(rc, fields, before);
        StorageRow after = checked.row();
        if (before.active() && !after.active()) {
            requireMinimumWithout(rc, before);
        }
        boolean connectionChanged = !before.bucket().equals(after.bucket())
                || !before.region().equals(after.region())
                || !before.endpoint().equals(after.endpoint())
                || !before.keyPrefix().equals(after.keyPrefix())
                || before.pathStyle() != after.pathStyle()
                || fields.accessKey() != null
                || fields.secretKey() != null;
        if ((!before.bucket().equals(after.bucket()) || !before.keyPrefix().equals(after.keyPrefix()))
                && REPOSITORY.imagesOn(rc.db().dsl(), id) > 0) {
            int images = REPOSITORY.imagesOn(rc.db().dsl(), id);
            throw new AppException(
                    ErrorCode.CONFLICT,
                    "Storage " + id + " holds " + images + " image(s): its bucket or folder and key prefix cannot"
                            + " change (their files would be lost). Move them first with storage-move.",
                    Map.of("bucket", "in use"),
                    null);
        }
        if (connectionChanged && test) {
            requirePassed(roundTrip(checked.connection()));
        }
        var credentials = credentials(rc);
        // Sealed anew only when given: credentials kept as they are need not (and, when they no longer decrypt,
        // cannot) be opened and sealed again.
        boolean credentialsGiven = fields.accessKey() != null || fields.secretKey() != null;
        StorageRow sealed = after.external() && credentialsGiven
                ? withCredentials(
                        after,
                        Optional.of(credentials.seal(
                                id,
                                StorageCredentials.Field.KEY,
                                checked.connection().accessKey())),
                        Optional.of(credentials.seal(
                                id,
                                StorageCredentials.Field.SECRET,
                                checked.connection().secretKey())))
                : after;
        rc.db().transaction(cfg -> {
            var dsl = org.jooq.impl.DSL.using(cfg);
            REPOSITORY.update(dsl, sealed);
            if (after.forSiteFiles() != before.forSiteFiles()) {
                REPOSITORY.setSiteFiles(dsl, after.forSiteFiles() ? id : null);
            }
            return null;
        });
        changes.changed(rc.tenant().id());
        return StorageView.of(row(rc, id));
    }

    /**
     * Enables or disables storage {@code id} (a disabled storage takes no new uploads; its files are still served).
     * Disabling an active external storage is refused (CONFLICT) when it would leave fewer than
     * TESELA_MIN_STORAGES_ACTIVE active.
     */
    public StorageView setActive(RequestContext rc, long id, boolean active) {
        return edit(
                rc,
                id,
                new Fields(null, null, null, null, null, null, null, null, null, null, null, active, null),
                false);
    }

    /** Makes storage {@code id} the one for the site's own files (null: none; they then go where uploads go). */
    public void setSiteFiles(RequestContext rc, Long id) {
        requireAdmin(rc);
        if (id != null) {
            row(rc, id);
        }
        rc.db().transaction(cfg -> {
            REPOSITORY.setSiteFiles(org.jooq.impl.DSL.using(cfg), id);
            return null;
        });
        changes.changed(rc.tenant().id());
    }

    /**
     * Deletes storage {@code id}: refused (CONFLICT) while images use it or file deletions are queued against it, and
     * when it would leave fewer active external storages than TESELA_MIN_STORAGES_ACTIVE. Its objects are not
     * touched.
     */
    public void delete(RequestContext rc, long id) {
        requireAdmin(rc);
        StorageRow row = row(rc, id);
        if (row.active()) {
            requireMinimumWithout(rc, row);
        }
        int images = REPOSITORY.imagesOn(rc.db().dsl(), id);
        if (images > 0) {
            throw stillHolds(id, images);
        }
        int deletions = REPOSITORY.deletionsQueuedOn(rc.db().dsl(), id);
        if (deletions > 0) {
            // Their rows name this storage: without it they could never be carried out, and the files would stay.
            throw new AppException(
                    ErrorCode.CONFLICT,
                    "Storage " + id + " still has " + deletions + " file deletion(s) queued (retried by the storage"
                            + " upkeep); delete it once they are done.");
        }
        try {
            REPOSITORY.delete(rc.db().dsl(), id);
        } catch (IntegrityConstraintViolationException e) {
            // An upload recorded an image on it since the count: the foreign key (ON DELETE RESTRICT) kept the row.
            throw stillHolds(id, Math.max(1, REPOSITORY.imagesOn(rc.db().dsl(), id)));
        }
        changes.changed(rc.tenant().id());
    }

    /**
     * Sets every storage's byte count to what its images take (see {@link StorageUsage#recount}); returns the
     * storages, counted.
     */
    public List<StorageView> recount(RequestContext rc) {
        requireAdmin(rc);
        StorageUsage.recount(rc.db());
        changes.changed(rc.tenant().id());
        return list(rc);
    }

    private static AppException stillHolds(long id, int images) {
        return new AppException(
                ErrorCode.CONFLICT,
                "Storage " + id + " still holds " + images + " image(s); move them first with storage-move.");
    }

    /** Refuses to take {@code row} out of the active ones when that leaves fewer than the site's minimum. */
    private void requireMinimumWithout(RequestContext rc, StorageRow row) {
        OptionalLong min = rc.tenant().limits().of(Limit.MIN_STORAGES_ACTIVE);
        if (min.isEmpty() || !row.external() || !row.active()) {
            return;
        }
        long activeExternal = REPOSITORY.all(rc.db().dsl()).stream()
                .filter(r -> r.active() && r.external())
                .count();
        if (activeExternal - 1 < min.getAsLong()) {
            throw new AppException(
                    ErrorCode.CONFLICT,
                    "This site needs at least " + min.getAsLong() + " active external storage(s)"
                            + " (TESELA_MIN_STORAGES_ACTIVE); storage " + row.id() + " is one of the " + activeExternal
                            + ". Add or enable another one first.");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Checks

    /** A row ready to store (credentials not sealed yet) and its connection in clear text. */
    private record Checked(StorageRow row, StorageConnection connection) {}

    /** Checks {@code fields} (over {@code before} for an edit, null for an add); every problem at once. */
    private Checked check(RequestContext rc, Fields f, StorageRow before) {
        Map<String, String> errors = new LinkedHashMap<>();
        boolean adding = before == null;

        String name = adding || f.name() != null ? strip(f.name()) : before.name();
        if (name == null || name.isEmpty()) {
            errors.put("name", "A name is required.");
        } else if (name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            errors.put("name", "The name must have 1 to " + MAX_NAME + " characters, no control characters.");
        }

        String api = adding ? strip(f.api()) : before.api();
        if (!adding && f.api() != null && !before.api().equals(strip(f.api()))) {
            errors.put("api", "The api of a storage cannot change; add another storage instead.");
        }
        if (api == null || api.isEmpty()) {
            errors.put("api", "The api is required: local or s3.");
        } else if (!api.equals(Storage.LOCAL) && !api.equals(Storage.S3)) {
            errors.put("api", "The api must be local or s3; got '" + api + "'.");
        } else if (api.equals(Storage.LOCAL) && !rc.tenant().storages().localEnabled() && adding) {
            errors.put(
                    "api",
                    "Local storage is disabled on this site (TESELA_ENABLE_LOCAL_STORAGE=0): add an s3 storage.");
        }
        boolean local = Storage.LOCAL.equals(api);
        // With an unknown api, the fields that depend on it are not checked (their rules would be guesses).
        boolean known = local || Storage.S3.equals(api);

        String bucket = adding || f.bucket() != null ? strip(f.bucket()) : before.bucket();
        if (bucket == null || bucket.isEmpty()) {
            errors.put("bucket", local ? "The folder is required (an absolute path)." : "The bucket is required.");
        } else if (local) {
            if (bucket.length() > MAX_URL || !isAbsolutePath(bucket)) {
                errors.put("bucket", "The folder must be an absolute path; got '" + bucket + "'.");
            }
        } else if (known && (!BUCKET.matcher(bucket).matches() || bucket.contains(".."))) {
            errors.put(
                    "bucket",
                    "The bucket name must have 3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending with"
                            + " a letter or digit; got '" + bucket + "'.");
        }

        Optional<String> region = optional(f.region(), adding ? Optional.empty() : before.region());
        Optional<String> endpoint = optional(f.endpoint(), adding ? Optional.empty() : before.endpoint());
        if (local) {
            if (f.region() != null && !f.region().isBlank()) {
                errors.put("region", "A local storage has no region.");
            }
            if (f.endpoint() != null && !f.endpoint().isBlank()) {
                errors.put("endpoint", "A local storage has no endpoint.");
            }
            if (f.accessKey() != null || f.secretKey() != null) {
                errors.put(f.accessKey() != null ? "key" : "secret", "A local storage has no credentials.");
            }
            region = Optional.empty();
            endpoint = Optional.empty();
        } else if (known) {
            region.filter(r -> !REGION.matcher(r).matches())
                    .ifPresent(r -> errors.put(
                            "region", "The region must be like us-east-1 or auto (a-z, 0-9, '-'); got '" + r + "'."));
            endpoint.flatMap(e -> urlProblem(e, false))
                    .ifPresent(problem -> errors.put("endpoint", "The endpoint " + problem));
        }

        Optional<String> publicUrl = optional(f.publicUrl(), adding ? Optional.empty() : before.publicUrl());
        publicUrl
                .flatMap(u -> urlProblem(u, true))
                .ifPresent(problem -> errors.put("public-url", "The public URL " + problem));

        OptionalLong capacity = adding ? OptionalLong.empty() : before.capacityBytes();
        if (f.capacity() != null) {
            try {
                capacity = StorageSizes.parse(f.capacity());
            } catch (IllegalArgumentException e) {
                errors.put("capacity", "The capacity " + e.getMessage() + ".");
            }
        }

        String keyPrefix = adding ? "" : before.keyPrefix();
        if (f.keyPrefix() != null) {
            keyPrefix = f.keyPrefix().strip();
            if (!keyPrefix.isEmpty() && !keyPrefix.endsWith("/")) {
                keyPrefix = keyPrefix + "/";
            }
            if (!keyPrefix.isEmpty()) {
                try {
                    BlobKeys.requireValid(keyPrefix + "x");
                    if (keyPrefix.length() > 200) {
                        throw new IllegalArgumentException("it is longer than 200 characters");
                    }
                } catch (IllegalArgumentException e) {
                    errors.put(
                            "key-prefix",
                            "The key prefix must be segments of A-Z, a-z, 0-9, '.', '_', '-' separated by '/' (such as"
                                    + " tesela/site1/): " + e.getMessage() + ".");
                }
            }
        }

        String accessKey = "";
        String secretKey = "";
        if (!local && known) {
            StorageConnection stored = null;
            if (!adding && (f.accessKey() == null || f.secretKey() == null)) {
                try {
                    stored = StorageLoader.connection(before, credentials(rc));
                } catch (IllegalStateException e) {
                    // Credentials that no longer decrypt (the tenant's key changed) are needed only to test a new
                    // connection or to seal a half-given pair: a rename, a capacity or disabling the broken storage
                    // must still go through, and keeps the sealed values as they are.
                    if (f.accessKey() != null
                            || f.secretKey() != null
                            || f.bucket() != null
                            || f.region() != null
                            || f.endpoint() != null
                            || f.keyPrefix() != null
                            || f.pathStyle() != null) {
                        errors.put("secret", e.getMessage());
                    }
                    stored = new StorageConnection(api, "", "", Optional.empty(), "", "x", "x", false);
                }
            }
            accessKey = f.accessKey() != null ? f.accessKey().strip() : stored == null ? "" : stored.accessKey();
            secretKey = f.secretKey() != null ? f.secretKey().strip() : stored == null ? "" : stored.secretKey();
            credentialProblem(accessKey).ifPresent(p -> errors.put("key", "The access key " + p));
            credentialProblem(secretKey).ifPresent(p -> errors.put("secret", "The secret key " + p));
        }

        if (known && bucket != null && !errors.containsKey("bucket") && !errors.containsKey("key-prefix")) {
            String place = place(api, endpoint, bucket, keyPrefix);
            for (StorageRow other : REPOSITORY.all(rc.db().dsl())) {
                if ((adding || other.id() != before.id())
                        && other.api().equals(api)
                        && place.equals(place(other.api(), other.endpoint(), other.bucket(), other.keyPrefix()))) {
                    // Moving images between two storages of one place would copy nothing (the files are there) and
                    // then delete the "old" copies, which are the same files.
                    errors.put(
                            "bucket",
                            "The " + (local ? "folder" : "bucket") + " and key prefix are those of storage "
                                    + other.id()
                                    + " (" + other.name() + "): two storages of one place would delete each other's"
                                    + " files when images are moved between them.");
                    break;
                }
            }
        }

        boolean pathStyle = f.pathStyle() != null ? f.pathStyle() : !adding && before.pathStyle();
        boolean active = f.active() != null ? f.active() : adding || before.active();
        boolean siteFiles = f.siteFiles() != null ? f.siteFiles() : !adding && before.forSiteFiles();

        if (!errors.isEmpty()) {
            throw new AppException(
                    ErrorCode.INVALID_INPUT,
                    errors.size() == 1 ? errors.values().iterator().next() : "Some fields are invalid.",
                    errors,
                    null);
        }
        StorageRow row = new StorageRow(
                adding ? 0 : before.id(),
                name,
                api,
                bucket,
                region,
                endpoint,
                publicUrl,
                keyPrefix,
                adding ? Optional.empty() : before.keySealed(),
                adding ? Optional.empty() : before.secretSealed(),
                !local && pathStyle,
                active,
                capacity,
                adding ? 0 : before.usedBytes(),
                siteFiles,
                adding ? clock.instant() : before.createdAt());
        var connection = new StorageConnection(
                api,
                bucket,
                region.orElse(DEFAULT_REGION),
                endpoint.map(URI::create),
                keyPrefix,
                accessKey,
                secretKey,
                row.pathStyle());
        return new Checked(row, connection);
    }

    private static Optional<String> credentialProblem(String value) {
        if (value.isEmpty()) {
            return Optional.of("is required for an s3 storage.");
        }
        if (value.length() > MAX_CREDENTIAL || value.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            return Optional.of("must have 1 to " + MAX_CREDENTIAL + " characters without spaces.");
        }
        return Optional.empty();
    }

    /** Why {@code url} is not an http(s) URL (ending in '/' when {@code base}), if it is not. */
    static Optional<String> urlProblem(String url, boolean base) {
        if (url.length() > MAX_URL) {
            return Optional.of("is longer than " + MAX_URL + " characters.");
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return Optional.of("must start with http:// or https://; got " + shown(url) + ".");
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                return Optional.of("has no host name; got " + shown(url) + ".");
            }
            if (uri.getRawUserInfo() != null) {
                // Not repeated: a user name and password in a URL are credentials (shown, logged, kept in history).
                return Optional.of("must have no user name or password (give credentials with --key and --secret).");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                return Optional.of("must have no query or fragment; got " + shown(url) + ".");
            }
            if (base && !url.endsWith("/")) {
                return Optional.of("must end with '/' (files are served from it + their key); got " + shown(url) + ".");
            }
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of("is not a valid URL; got " + shown(url) + ".");
        }
    }

    /**
     * {@code url} quoted for an error message, unless it holds an '@': a user name and password in a URL are
     * credentials, and messages are shown, logged and kept in shell history.
     */
    private static String shown(String url) {
        return url.indexOf('@') >= 0 ? "a URL with an '@' (not repeated here)" : "'" + url + "'";
    }

    /** Where a storage keeps its files, comparable between storages: its normalized folder, or service and bucket. */
    private static String place(String api, Optional<String> endpoint, String bucket, String keyPrefix) {
        if (Storage.LOCAL.equals(api)) {
            try {
                return Path.of(bucket).resolve(keyPrefix).normalize().toString();
            } catch (java.nio.file.InvalidPathException e) {
                return bucket + "/" + keyPrefix;
            }
        }
        String service = endpoint.map(e -> e.toLowerCase(Locale.ROOT).replaceAll("/+$", ""))
                .orElse("aws");
        return service + " " + bucket + "/" + keyPrefix;
    }

    private static boolean isAbsolutePath(String path) {
        try {
            return Path.of(path).isAbsolute();
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** {@code given} stripped (null: {@code current}; blank or "none": empty). */
    private static Optional<String> optional(String given, Optional<String> current) {
        if (given == null) {
            return current;
        }
        String value = given.strip();
        return value.isEmpty() || value.equalsIgnoreCase("none") ? Optional.empty() : Optional.of(value);
    }

    private static String strip(String value) {
        return value == null ? null : value.strip();
    }

    private static StorageRow withCredentials(StorageRow row, Optional<String> key, Optional<String> secret) {
        return new StorageRow(
                row.id(),
                row.name(),
                row.api(),
                row.bucket(),
                row.region(),
                row.endpoint(),
                row.publicUrl(),
                row.keyPrefix(),
                key,
                secret,
                row.pathStyle(),
                row.active(),
                row.capacityBytes(),
                row.usedBytes(),
                row.forSiteFiles(),
                row.createdAt());
    }

    // ---------------------------------------------------------------------------------------------------------
    // The round trip

    private static void requirePassed(TestResult result) {
        if (!result.ok()) {
            throw new AppException(
                    result.problem().orElse(Problem.FAILED) == Problem.UNREACHABLE
                            ? ErrorCode.UNAVAILABLE
                            : ErrorCode.INVALID_INPUT,
                    "The storage failed its test, so nothing was saved: " + result.describe()
                            + " Fix the settings, or skip the test with --no-test.");
        }
    }

    /**
     * Puts a small object under a random key ({@code tesela-storage-test/<random>.txt}), stats it, reads it back and
     * deletes it; reports the first step that failed and why. Bounded by the store's own timeouts.
     */
    TestResult roundTrip(StorageConnection connection) {
        long start = System.nanoTime();
        String step = "open";
        BlobStore store;
        try {
            store = stores.openNew(connection);
        } catch (RuntimeException e) {
            return failed(start, step, classify(e, connection), e);
        }
        String key = "tesela-storage-test/"
                + java.util.HexFormat.of().formatHex(dev.tesela.platform.security.Crypto.randomBytes(8)) + ".txt";
        Path file = null;
        boolean put = false;
        try {
            Files.createDirectories(tmp);
            file = Files.createTempFile(tmp, "storage-test-", ".txt");
            Files.write(file, TEST_CONTENT);
            step = "put";
            store.putNew(key, file, "text/plain");
            put = true;
            step = "stat";
            var stat = store.stat(key);
            if (stat.isEmpty() || stat.get().byteSize() != TEST_CONTENT.length) {
                return failed(start, step, Problem.WRONG_CONTENT, null);
            }
            step = "get";
            byte[] read;
            try (InputStream in = store.open(key).orElseThrow(() -> new IOException("the object is not there"))) {
                read = in.readNBytes(TEST_CONTENT.length + 1);
            }
            if (!java.util.Arrays.equals(read, TEST_CONTENT)) {
                return failed(start, step, Problem.WRONG_CONTENT, null);
            }
            step = "delete";
            store.delete(key);
            put = false;
            if (store.stat(key).isPresent()) {
                return failed(start, step, Problem.FAILED, new IOException("the object is still there"));
            }
            return new TestResult(
                    true, Duration.ofNanos(System.nanoTime() - start), Optional.empty(), Optional.empty(), "");
        } catch (IOException | RuntimeException e) {
            return failed(start, step, classify(e, connection), e);
        } finally {
            if (put) {
                try {
                    store.delete(key);
                } catch (IOException | RuntimeException ignored) {
                    // best effort: the test object is tiny and under its own prefix
                }
            }
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // tmp is emptied when serve starts
                }
            }
            if (store instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // a client that fails to close has nothing left to give back
                }
            }
        }
    }

    private static TestResult failed(long start, String step, Problem problem, Throwable e) {
        String detail = e == null ? "" : String.valueOf(e.getMessage());
        if (detail.length() > 300) {
            detail = detail.substring(0, 300) + "…";
        }
        return new TestResult(
                false, Duration.ofNanos(System.nanoTime() - start), Optional.of(step), Optional.of(problem), detail);
    }

    /** What {@code e} (from the S3 adapter, the SDK or the file system) says went wrong, from its causes. */
    static Problem classify(Throwable e, StorageConnection connection) {
        boolean local = Storage.LOCAL.equals(connection.api());
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = (t.getClass().getSimpleName() + " " + t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof BlobStore.StoreUnavailableException
                    || t instanceof java.net.ConnectException
                    || t instanceof java.net.http.HttpTimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || text.contains("timed out")
                    || text.contains("timeout")
                    || text.contains("connection refused")) {
                return Problem.UNREACHABLE;
            }
            if (t instanceof java.net.UnknownHostException || text.contains("unknownhost")) {
                return Problem.WRONG_ENDPOINT;
            }
            if (text.contains("nosuchbucket")
                    || text.contains("no such bucket")
                    || text.contains("bucket does not exist")) {
                return Problem.NO_SUCH_BUCKET;
            }
            if (text.contains("accessdenied")
                    || text.contains("access denied")
                    || text.contains("invalidaccesskeyid")
                    || text.contains("signaturedoesnotmatch")
                    || text.contains("forbidden")
                    || text.contains("status code: 403")
                    || text.contains("(403)")) {
                return local ? Problem.NOT_WRITABLE : Problem.ACCESS_DENIED;
            }
            if (text.contains("permanentredirect")
                    || text.contains("authorizationheadermalformed")
                    || text.contains("wrong region")
                    || text.contains("status code: 301")) {
                return Problem.WRONG_ENDPOINT;
            }
            if (local
                    && (t instanceof java.nio.file.FileSystemException || t instanceof java.io.UncheckedIOException)) {
                return Problem.NOT_WRITABLE;
            }
        }
        return local ? Problem.NOT_WRITABLE : Problem.FAILED;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void requireAdmin(RequestContext rc) {
        Access.require(rc, Access.Action.MANAGE_STORAGES, Access.Resource.SITE);
    }

    private static StorageRow row(RequestContext rc, long id) {
        return REPOSITORY
                .byId(rc.db().dsl(), id)
                .orElseThrow(() -> AppException.notFound("No storage with id " + id + "."));
    }

    private static StorageCredentials credentials(RequestContext rc) {
        return new StorageCredentials(rc.tenant().id(), rc.tenant().keys());
    }
}
