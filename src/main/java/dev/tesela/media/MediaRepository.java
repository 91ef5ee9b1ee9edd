package dev.tesela.media;

import static dev.tesela.platform.db.SchemaTables.tenantTable;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;

import dev.tesela.platform.db.Times;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/** Rows of images, image_variants, tags, image_tags and deletions. Package-private: use MediaService. */
final class MediaRepository {
    static final Table<Record> IMAGES = tenantTable("images");
    static final Field<Long> ID = field(name("id"), Long.class);
    static final Field<Long> OWNER_ID = field(name("owner_id"), Long.class);
    static final Field<Long> ALBUM_ID = field(name("album_id"), Long.class);
    static final Field<Long> CATEGORY_ID = field(name("category_id"), Long.class);
    static final Field<String> STORAGE_KEY = field(name("storage_key"), String.class);
    static final Field<String> STORAGE_MODE = field(name("storage_mode"), String.class);
    static final Field<String> ORIGINAL_FILENAME = field(name("original_filename"), String.class);
    static final Field<String> TITLE = field(name("title"), String.class);
    static final Field<String> DESCRIPTION = field(name("description"), String.class);
    static final Field<String> MEDIA_TYPE = field(name("media_type"), String.class);
    static final Field<String> EXTENSION = field(name("extension"), String.class);
    static final Field<Integer> WIDTH = field(name("width"), Integer.class);
    static final Field<Integer> HEIGHT = field(name("height"), Integer.class);
    static final Field<Integer> FRAMES = field(name("frames"), Integer.class);
    static final Field<Long> BYTE_SIZE = field(name("byte_size"), Long.class);
    static final Field<Boolean> IS_ANIMATED = field(name("is_animated"), Boolean.class);
    static final Field<Boolean> IS_360 = field(name("is_360"), Boolean.class);
    static final Field<String> SHA256 = field(name("sha256"), String.class);
    static final Field<String> MD5 = field(name("md5"), String.class);
    static final Field<String> SOURCE_SHA256 = field(name("source_sha256"), String.class);
    static final Field<String> EXIF = field(name("exif"), String.class);
    static final Field<Boolean> NSFW = field(name("nsfw"), Boolean.class);
    static final Field<Long> VIEWS = field(name("views"), Long.class);
    static final Field<Long> LIKES = field(name("likes"), Long.class);
    static final Field<String> UPLOADER_IP = field(name("uploader_ip"), String.class);
    static final Field<String> DELETE_HASH = field(name("delete_hash"), String.class);
    static final Field<LocalDateTime> EXPIRES_AT = field(name("expires_at"), LocalDateTime.class);
    static final Field<LocalDateTime> CREATED_AT = field(name("created_at"), LocalDateTime.class);
    static final Field<String> STAGING_TOKEN = field(name("staging_token"), String.class);

    static final Table<Record> VARIANTS = tenantTable("image_variants");
    static final Field<Long> V_IMAGE_ID = field(name("image_id"), Long.class);
    static final Field<String> V_VARIANT = field(name("variant"), String.class);
    static final Field<String> V_STORAGE_KEY = field(name("storage_key"), String.class);
    static final Field<String> V_MEDIA_TYPE = field(name("media_type"), String.class);
    static final Field<Integer> V_WIDTH = field(name("width"), Integer.class);
    static final Field<Integer> V_HEIGHT = field(name("height"), Integer.class);
    static final Field<Long> V_BYTE_SIZE = field(name("byte_size"), Long.class);

    static final Table<Record> TAGS = tenantTable("tags");
    static final Field<Long> TAG_ID = field(name("id"), Long.class);
    static final Field<String> TAG_NAME = field(name("name"), String.class);
    static final Field<Long> TAG_CREATOR_ID = field(name("creator_id"), Long.class);
    static final Field<Long> TAG_FILE_COUNT = field(name("file_count"), Long.class);
    static final Field<LocalDateTime> TAG_CREATED_AT = field(name("created_at"), LocalDateTime.class);

    static final Table<Record> IMAGE_TAGS = tenantTable("image_tags");
    static final Field<Long> IT_TAG_ID = field(name("tag_id"), Long.class);
    static final Field<Long> IT_IMAGE_ID = field(name("image_id"), Long.class);

    static final Table<Record> USERS = tenantTable("users");
    static final Field<Long> USER_ID = field(name("id"), Long.class);
    static final Field<String> USERNAME = field(name("username"), String.class);
    static final Field<Long> USER_IMAGE_COUNT = field(name("image_count"), Long.class);

    static final Table<Record> ALBUMS = tenantTable("albums");
    static final Field<Long> ALBUM_ROW_ID = field(name("id"), Long.class);
    static final Field<Long> ALBUM_OWNER_ID = field(name("owner_id"), Long.class);
    static final Field<Long> ALBUM_IMAGE_COUNT = field(name("image_count"), Long.class);

    static final Table<Record> CATEGORIES = tenantTable("categories");
    static final Field<Long> CATEGORY_ROW_ID = field(name("id"), Long.class);

    static final Table<Record> DELETIONS = tenantTable("deletions");

    static final Table<Record> STORAGES = tenantTable("storages");
    static final Table<Record> BLOB_DELETIONS = tenantTable("blob_deletions");
    static final Field<Long> BD_ID = field(name("id"), Long.class);
    static final Field<String> BD_KEY = field(name("storage_key"), String.class);
    static final Field<Integer> BD_ATTEMPTS = field(name("attempts"), Integer.class);
    static final Field<String> BD_LAST_ERROR = field(name("last_error"), String.class);
    static final Field<LocalDateTime> BD_QUEUED_AT = field(name("queued_at"), LocalDateTime.class);
    static final Field<LocalDateTime> BD_NEXT_ATTEMPT_AT = field(name("next_attempt_at"), LocalDateTime.class);
    static final Field<String> STORAGE_API = field(name("api"), String.class);
    static final Field<Boolean> STORAGE_ACTIVE = field(name("is_active"), Boolean.class);

    /**
     * Everything the images row needs at insert time. {@code storageKey} is the main file's key, or a placeholder
     * unique to this upload (set right after by {@link #completeImage}) when the key depends on the row's id;
     * {@code stagingToken} names the upload's staged files.
     */
    record NewImage(String storageKey, String stagingToken, Long ownerId, Long albumId, Long categoryId, String storageMode, String originalFilename,
                    String title, String description, String mediaType, String extension, int width, int height,
                    int frames, long byteSize, boolean is360, String sha256, String md5, String sourceSha256,
                    String exifJson, boolean nsfw, String uploaderIp, Instant expiresAt, Instant createdAt) {

        /** The same row with {@code key} as the main file's key. */
        NewImage withStorageKey(String key) {
            return new NewImage(key, stagingToken, ownerId, albumId, categoryId, storageMode, originalFilename, title,
                    description, mediaType, extension, width, height, frames, byteSize, is360, sha256, md5, sourceSha256,
                    exifJson, nsfw, uploaderIp, expiresAt, createdAt);
        }
    }

    long insertImage(DSLContext dsl, NewImage n) {
        return dsl.insertInto(IMAGES)
                .set(OWNER_ID, n.ownerId())
                .set(ALBUM_ID, n.albumId())
                .set(CATEGORY_ID, n.categoryId())
                .set(STORAGE_KEY, n.storageKey())
                .set(STAGING_TOKEN, n.stagingToken())
                .set(STORAGE_MODE, n.storageMode())
                .set(ORIGINAL_FILENAME, n.originalFilename())
                .set(TITLE, n.title())
                .set(DESCRIPTION, n.description())
                .set(MEDIA_TYPE, n.mediaType())
                .set(EXTENSION, n.extension())
                .set(WIDTH, n.width())
                .set(HEIGHT, n.height())
                .set(FRAMES, n.frames())
                .set(BYTE_SIZE, n.byteSize())
                .set(IS_ANIMATED, n.frames() > 1)
                .set(IS_360, n.is360())
                .set(SHA256, n.sha256())
                .set(MD5, n.md5())
                .set(SOURCE_SHA256, n.sourceSha256())
                .set(EXIF, n.exifJson())
                .set(NSFW, n.nsfw())
                .set(UPLOADER_IP, n.uploaderIp())
                .set(EXPIRES_AT, n.expiresAt() == null ? null : Times.utc(n.expiresAt()))
                .set(CREATED_AT, Times.utc(n.createdAt()))
                .returningResult(ID)
                .fetchOne(ID);
    }

    void completeImage(DSLContext dsl, long id, String storageKey, String deleteHash) {
        dsl.update(IMAGES).set(STORAGE_KEY, storageKey).set(DELETE_HASH, deleteHash).where(ID.eq(id)).execute();
    }

    /** Inserts the image's variants, all in one statement (none: no statement). */
    void insertVariants(DSLContext dsl, long imageId, List<StoredImage.Variant> variants) {
        if (variants.isEmpty()) {
            return;
        }
        var insert = dsl.insertInto(VARIANTS, V_IMAGE_ID, V_VARIANT, V_STORAGE_KEY, V_MEDIA_TYPE, V_WIDTH, V_HEIGHT, V_BYTE_SIZE);
        for (StoredImage.Variant v : variants) {
            insert = insert.values(imageId, v.name(), v.storageKey(), v.mediaType(), v.width(), v.height(), v.byteSize());
        }
        insert.execute();
    }

    /**
     * Links {@code names} to the image, creating missing tags; keeps the tags' file counts right. Before a new tag is
     * created, {@code beforeNewTag} gets the number of tags that exist (it throws to refuse).
     */
    void tag(DSLContext dsl, long imageId, Long creatorId, List<String> names, Instant now,
             java.util.function.LongConsumer beforeNewTag) {
        // names are distinct (the service dedupes them). Two uploads creating the same new tag at the same moment:
        // one of them fails on the unique name and is rolled back whole; MediaService runs it again, and it then finds
        // the tag. Lock order, against deadlocks between uploads sharing tags: tags in name order, and each tag's
        // row is locked exclusively (its counter) before the link row's foreign key would take a shared lock on it.
        for (String tagName : names.stream().sorted().toList()) {
            Long tagId = dsl.select(TAG_ID).from(TAGS).where(TAG_NAME.eq(tagName)).fetchOne(TAG_ID);
            if (tagId == null) {
                beforeNewTag.accept(dsl.fetchCount(TAGS));
                tagId = dsl.insertInto(TAGS).set(TAG_NAME, tagName).set(TAG_CREATOR_ID, creatorId).set(TAG_FILE_COUNT, 0L)
                        .set(TAG_CREATED_AT, Times.utc(now)).returningResult(TAG_ID).fetchOne(TAG_ID);
            }
            dsl.update(TAGS).set(TAG_FILE_COUNT, TAG_FILE_COUNT.plus(1)).where(TAG_ID.eq(tagId)).execute();
            dsl.insertInto(IMAGE_TAGS).set(IT_TAG_ID, tagId).set(IT_IMAGE_ID, imageId).execute();
        }
    }

    /**
     * Adds {@code delta} to the owner's and the album's image counts. Called FIRST in a transaction that inserts or
     * deletes an image: the exclusive locks on the user and album rows are then taken before the image row's
     * foreign keys take shared ones, always in the order user, album. (Inserting first and counting after makes two
     * uploads by one user deadlock on MariaDB: both hold the shared lock, both wait for the exclusive one.)
     */
    void addToCounters(DSLContext dsl, Long ownerId, Long albumId, int delta) {
        if (ownerId != null) {
            dsl.update(USERS).set(USER_IMAGE_COUNT, USER_IMAGE_COUNT.plus(delta)).where(USER_ID.eq(ownerId)).execute();
        }
        if (albumId != null) {
            dsl.update(ALBUMS).set(ALBUM_IMAGE_COUNT, ALBUM_IMAGE_COUNT.plus(delta)).where(ALBUM_ROW_ID.eq(albumId)).execute();
        }
    }

    /** The owner of album {@code albumId}; empty when there is no such album. */
    Optional<Long> albumOwner(DSLContext dsl, long albumId) {
        return dsl.select(ALBUM_OWNER_ID).from(ALBUMS).where(ALBUM_ROW_ID.eq(albumId)).fetchOptional(ALBUM_OWNER_ID);
    }

    boolean categoryExists(DSLContext dsl, long categoryId) {
        return dsl.fetchExists(CATEGORIES, CATEGORY_ROW_ID.eq(categoryId));
    }

    /** Which earlier uploads a duplicate is looked for among. */
    sealed interface Earlier {
        /** Every image of the site. */
        record All() implements Earlier {}

        /** The images of one user. */
        record ByUser(long userId) implements Earlier {}

        /** The guests' images uploaded from one address. */
        record ByGuestsAt(String ip) implements Earlier {}

        /** Every image uploaded from one address. */
        record FromAddress(String ip) implements Earlier {}
    }

    /**
     * Whether an image with this content (as stored, or as uploaded before it was altered) is among {@code among},
     * counting only those created at or after {@code since} (null: ever).
     */
    boolean duplicateExists(DSLContext dsl, String sha256, Earlier among, Instant since) {
        Condition scope = switch (among) {
            case Earlier.All all -> DSL.trueCondition();
            case Earlier.ByUser user -> OWNER_ID.eq(user.userId());
            case Earlier.ByGuestsAt guests -> OWNER_ID.isNull().and(UPLOADER_IP.eq(guests.ip()));
            case Earlier.FromAddress address -> UPLOADER_IP.eq(address.ip());
        };
        if (since != null) {
            scope = scope.and(CREATED_AT.ge(Times.utc(since)));
        }
        return dsl.fetchExists(IMAGES, SHA256.eq(sha256).or(SOURCE_SHA256.eq(sha256)).and(scope));
    }

    long countActiveExternalStorages(DSLContext dsl) {
        return dsl.fetchCount(STORAGES, STORAGE_API.ne("local").and(STORAGE_ACTIVE.isTrue()));
    }

    long countImages(DSLContext dsl) {
        return dsl.select(count()).from(IMAGES).fetchSingle(0, Long.class);
    }

    /**
     * The image {@code id} with its owner's name, variants and tags: two queries (the row joined with its owner and
     * variants, one row per variant; then its tag names).
     */
    Optional<StoredImage> find(DSLContext dsl, long id) {
        Table<Record> i = IMAGES.as("i");
        Table<Record> u = USERS.as("u");
        Table<Record> v = VARIANTS.as("v");
        List<Field<?>> columns = new ArrayList<>();
        for (Field<?> f : List.of(ID, OWNER_ID, ALBUM_ID, CATEGORY_ID, STORAGE_KEY, ORIGINAL_FILENAME, TITLE, DESCRIPTION,
                MEDIA_TYPE, EXTENSION, WIDTH, HEIGHT, FRAMES, BYTE_SIZE, SHA256, MD5, EXIF, NSFW, VIEWS, LIKES, EXPIRES_AT, CREATED_AT)) {
            columns.add(field(name("i", f.getName()), f.getType()).as(f.getName()));
        }
        columns.add(field(name("u", "username"), String.class).as(USERNAME.getName()));
        for (Field<?> f : List.of(V_VARIANT, V_STORAGE_KEY, V_MEDIA_TYPE, V_WIDTH, V_HEIGHT, V_BYTE_SIZE)) {
            columns.add(field(name("v", f.getName()), f.getType()).as("v_" + f.getName()));
        }
        Field<Long> imageId = field(name("i", "id"), Long.class);
        List<Record> rows = dsl.select(columns)
                .from(i)
                .leftJoin(u).on(field(name("u", "id"), Long.class).eq(field(name("i", "owner_id"), Long.class)))
                .leftJoin(v).on(field(name("v", "image_id"), Long.class).eq(imageId))
                .where(imageId.eq(id)).fetch();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Map<String, StoredImage.Variant> variants = new LinkedHashMap<>();
        for (Record r : rows) {
            String variant = r.get("v_" + V_VARIANT.getName(), String.class);
            if (variant != null) {
                variants.put(variant, new StoredImage.Variant(variant, r.get("v_" + V_STORAGE_KEY.getName(), String.class),
                        r.get("v_" + V_MEDIA_TYPE.getName(), String.class), r.get("v_" + V_WIDTH.getName(), Integer.class),
                        r.get("v_" + V_HEIGHT.getName(), Integer.class), r.get("v_" + V_BYTE_SIZE.getName(), Long.class)));
            }
        }
        Table<Record> it = IMAGE_TAGS.as("it");
        Table<Record> t = TAGS.as("t");
        List<String> tags = dsl.select(field(name("t", "name"), String.class)).from(it)
                .join(t).on(field(name("t", "id"), Long.class).eq(field(name("it", "tag_id"), Long.class)))
                .where(field(name("it", "image_id"), Long.class).eq(id))
                .orderBy(field(name("t", "name"))).fetch(0, String.class);
        Record r = rows.getFirst();
        LocalDateTime expires = r.get(EXPIRES_AT);
        return Optional.of(new StoredImage(id, r.get(OWNER_ID), r.get(USERNAME), r.get(ALBUM_ID), r.get(CATEGORY_ID), r.get(STORAGE_KEY),
                r.get(ORIGINAL_FILENAME), r.get(TITLE), r.get(DESCRIPTION), r.get(MEDIA_TYPE), r.get(EXTENSION),
                r.get(WIDTH), r.get(HEIGHT), r.get(FRAMES), r.get(BYTE_SIZE), r.get(SHA256), r.get(MD5), r.get(EXIF),
                Boolean.TRUE.equals(r.get(NSFW)), r.get(VIEWS), r.get(LIKES),
                expires == null ? null : Times.instant(expires), Times.instant(r.get(CREATED_AT)), List.copyOf(tags),
                Map.copyOf(variants)));
    }

    Optional<String> deleteHash(DSLContext dsl, long id) {
        return dsl.select(DELETE_HASH).from(IMAGES).where(ID.eq(id)).fetchOptional(DELETE_HASH);
    }

    /** Ids of images whose expiry passed, oldest first. */
    List<Long> expired(DSLContext dsl, Instant now, int limit) {
        return dsl.select(ID).from(IMAGES).where(EXPIRES_AT.le(Times.utc(now))).orderBy(EXPIRES_AT).limit(limit).fetch(ID);
    }

    /**
     * Removes the image's row and links (variants cascade), fixes counters, and records the deletion (unless
     * {@code audit} is false: an upload taken back before anyone saw it).
     */
    void delete(DSLContext dsl, StoredImage image, Long actorId, String ip, Instant now, boolean audit) {
        addToCounters(dsl, image.ownerId(), image.albumId(), -1);
        List<Long> tagIds = dsl.select(IT_TAG_ID).from(IMAGE_TAGS).where(IT_IMAGE_ID.eq(image.id())).fetch(IT_TAG_ID);
        if (!tagIds.isEmpty()) {
            dsl.update(TAGS).set(TAG_FILE_COUNT, TAG_FILE_COUNT.minus(1)).where(TAG_ID.in(tagIds)).execute();
            dsl.deleteFrom(IMAGE_TAGS).where(IT_IMAGE_ID.eq(image.id())).execute();
        }
        dsl.deleteFrom(VARIANTS).where(V_IMAGE_ID.eq(image.id())).execute();
        dsl.deleteFrom(IMAGES).where(ID.eq(image.id())).execute();
        if (!audit) {
            return;
        }
        dsl.insertInto(DELETIONS)
                .set(field(name("image_id"), Long.class), image.id())
                .set(field(name("user_id"), Long.class), actorId)
                .set(field(name("ip"), String.class), ip)
                .set(field(name("md5"), String.class), image.md5())
                .set(field(name("original_filename"), String.class), image.originalFilename())
                .set(field(name("views"), Long.class), image.views())
                .set(field(name("likes"), Long.class), image.likes())
                .set(field(name("deleted_at"), LocalDateTime.class), Times.utc(now))
                .execute();
    }

    /**
     * The files of the committed uploads among {@code tokens}: staging token → (file name in the staging area: "main"
     * or the variant's name → key). Tokens without a committed row are absent.
     */
    Map<String, Map<String, String>> stagedUploads(DSLContext dsl, java.util.Collection<String> tokens) {
        Map<String, Map<String, String>> uploads = new LinkedHashMap<>();
        if (tokens.isEmpty()) {
            return uploads;
        }
        Map<Long, String> tokenOf = new LinkedHashMap<>();
        dsl.select(ID, STAGING_TOKEN, STORAGE_KEY).from(IMAGES).where(STAGING_TOKEN.in(tokens)).fetch().forEach(r -> {
            tokenOf.put(r.value1(), r.value2());
            uploads.computeIfAbsent(r.value2(), t -> new LinkedHashMap<>()).put("main", r.value3());
        });
        if (!tokenOf.isEmpty()) {
            dsl.select(V_IMAGE_ID, V_VARIANT, V_STORAGE_KEY).from(VARIANTS).where(V_IMAGE_ID.in(tokenOf.keySet())).fetch()
                    .forEach(r -> uploads.get(tokenOf.get(r.value1())).put(r.value2(), r.value3()));
        }
        return uploads;
    }

    /** A file waiting to be deleted: its queue row, its key, how many attempts failed so far. */
    record QueuedBlob(long id, String storageKey, int attempts) {}

    /** Queues {@code keys} for deletion, due now; returns them with their queue ids. Call in the transaction that drops their row. */
    List<QueuedBlob> queueBlobDeletions(DSLContext dsl, List<String> keys, Instant now) {
        List<QueuedBlob> queued = new ArrayList<>();
        for (String key : keys) {
            long id = dsl.insertInto(BLOB_DELETIONS)
                    .set(BD_KEY, key).set(BD_ATTEMPTS, 0).set(BD_QUEUED_AT, Times.utc(now)).set(BD_NEXT_ATTEMPT_AT, Times.utc(now))
                    .returningResult(BD_ID).fetchOne(BD_ID);
            queued.add(new QueuedBlob(id, key, 0));
        }
        return queued;
    }

    /** Queued files due for an attempt at {@code now}, the longest-waiting first. */
    List<QueuedBlob> dueBlobDeletions(DSLContext dsl, Instant now, int limit) {
        return dsl.select(BD_ID, BD_KEY, BD_ATTEMPTS).from(BLOB_DELETIONS).where(BD_NEXT_ATTEMPT_AT.le(Times.utc(now)))
                .orderBy(BD_NEXT_ATTEMPT_AT, BD_ID).limit(limit)
                .fetch(r -> new QueuedBlob(r.value1(), r.value2(), r.value3()));
    }

    /** Every queued file, due or not (for tests and statistics). */
    List<QueuedBlob> queuedBlobDeletions(DSLContext dsl) {
        return dsl.select(BD_ID, BD_KEY, BD_ATTEMPTS).from(BLOB_DELETIONS).orderBy(BD_ID)
                .fetch(r -> new QueuedBlob(r.value1(), r.value2(), r.value3()));
    }

    void blobDeleted(DSLContext dsl, long queueId) {
        dsl.deleteFrom(BLOB_DELETIONS).where(BD_ID.eq(queueId)).execute();
    }

    void blobDeletionFailed(DSLContext dsl, long queueId, int attempts, String error, Instant nextAttempt) {
        dsl.update(BLOB_DELETIONS).set(BD_ATTEMPTS, attempts)
                .set(BD_LAST_ERROR, error.length() > 255 ? error.substring(0, 255) : error)
                .set(BD_NEXT_ATTEMPT_AT, Times.utc(nextAttempt)).where(BD_ID.eq(queueId)).execute();
    }
}
