package dev.tesela.media;

import static dev.tesela.platform.db.schema.tenant.Tables.ALBUMS;
import static dev.tesela.platform.db.schema.tenant.Tables.BLOB_DELETIONS;
import static dev.tesela.platform.db.schema.tenant.Tables.CATEGORIES;
import static dev.tesela.platform.db.schema.tenant.Tables.DELETIONS;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGE_TAGS;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGE_VARIANTS;
import static dev.tesela.platform.db.schema.tenant.Tables.STORAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.TAGS;
import static dev.tesela.platform.db.schema.tenant.Tables.USERS;
import static org.jooq.impl.DSL.count;

import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.tenant.tables.ImageTags;
import dev.tesela.platform.db.schema.tenant.tables.ImageVariants;
import dev.tesela.platform.db.schema.tenant.tables.Images;
import dev.tesela.platform.db.schema.tenant.tables.Tags;
import dev.tesela.platform.db.schema.tenant.tables.Users;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.impl.DSL;

/** Rows of images, image_variants, tags, image_tags and deletions. Package-private: use MediaService. */
final class MediaRepository {
    /**
     * Everything the images row needs at insert time. {@code storageKey} is the main file's key, or a placeholder
     * unique to this upload (set right after by {@link #completeImage}) when the key depends on the row's id;
     * {@code stagingToken} names the upload's staged files.
     */
    record NewImage(
            String storageKey,
            String stagingToken,
            Long storageId,
            Long ownerId,
            Long albumId,
            Long categoryId,
            String storageMode,
            String originalFilename,
            String title,
            String description,
            String mediaType,
            String extension,
            int width,
            int height,
            int frames,
            long byteSize,
            boolean is360,
            String sha256,
            String md5,
            String sourceSha256,
            String exifJson,
            boolean nsfw,
            String uploaderIp,
            Instant expiresAt,
            Instant createdAt) {

        /** The same row with {@code key} as the main file's key. */
        NewImage withStorageKey(String key) {
            return new NewImage(
                    key,
                    stagingToken,
                    storageId,
                    ownerId,
                    albumId,
                    categoryId,
                    storageMode,
                    originalFilename,
                    title,
                    description,
                    mediaType,
                    extension,
                    width,
                    height,
                    frames,
                    byteSize,
                    is360,
                    sha256,
                    md5,
                    sourceSha256,
                    exifJson,
                    nsfw,
                    uploaderIp,
                    expiresAt,
                    createdAt);
        }
    }

    long insertImage(DSLContext dsl, NewImage n) {
        return dsl.insertInto(IMAGES)
                .set(IMAGES.OWNER_ID, n.ownerId())
                .set(IMAGES.ALBUM_ID, n.albumId())
                .set(IMAGES.CATEGORY_ID, n.categoryId())
                .set(IMAGES.STORAGE_KEY, n.storageKey())
                .set(IMAGES.STAGING_TOKEN, n.stagingToken())
                .set(IMAGES.STORAGE_ID, n.storageId())
                .set(IMAGES.STORAGE_MODE, n.storageMode())
                .set(IMAGES.ORIGINAL_FILENAME, n.originalFilename())
                .set(IMAGES.TITLE, n.title())
                .set(IMAGES.DESCRIPTION, n.description())
                .set(IMAGES.MEDIA_TYPE, n.mediaType())
                .set(IMAGES.EXTENSION, n.extension())
                .set(IMAGES.WIDTH, n.width())
                .set(IMAGES.HEIGHT, n.height())
                .set(IMAGES.FRAMES, n.frames())
                .set(IMAGES.BYTE_SIZE, n.byteSize())
                .set(IMAGES.IS_ANIMATED, n.frames() > 1)
                .set(IMAGES.IS_360, n.is360())
                .set(IMAGES.SHA256, n.sha256())
                .set(IMAGES.MD5, n.md5())
                .set(IMAGES.SOURCE_SHA256, n.sourceSha256())
                .set(IMAGES.EXIF, n.exifJson())
                .set(IMAGES.NSFW, n.nsfw())
                .set(IMAGES.UPLOADER_IP, n.uploaderIp())
                .set(IMAGES.EXPIRES_AT, n.expiresAt() == null ? null : Times.utc(n.expiresAt()))
                .set(IMAGES.CREATED_AT, Times.utc(n.createdAt()))
                .returningResult(IMAGES.ID)
                .fetchOne(IMAGES.ID);
    }

    void completeImage(DSLContext dsl, long id, String storageKey, String deleteHash) {
        dsl.update(IMAGES)
                .set(IMAGES.STORAGE_KEY, storageKey)
                .set(IMAGES.DELETE_HASH, deleteHash)
                .where(IMAGES.ID.eq(id))
                .execute();
    }

    /** Inserts the image's variants, all in one statement (none: no statement). */
    void insertVariants(DSLContext dsl, long imageId, List<StoredImage.Variant> variants) {
        if (variants.isEmpty()) {
            return;
        }
        var insert = dsl.insertInto(
                IMAGE_VARIANTS,
                IMAGE_VARIANTS.IMAGE_ID,
                IMAGE_VARIANTS.VARIANT,
                IMAGE_VARIANTS.STORAGE_KEY,
                IMAGE_VARIANTS.MEDIA_TYPE,
                IMAGE_VARIANTS.WIDTH,
                IMAGE_VARIANTS.HEIGHT,
                IMAGE_VARIANTS.BYTE_SIZE);
        for (StoredImage.Variant v : variants) {
            insert = insert.values(
                    imageId, v.name(), v.storageKey(), v.mediaType(), v.width(), v.height(), v.byteSize());
        }
        insert.execute();
    }

    /**
     * Links {@code names} to the image, creating missing tags; keeps the tags' file counts right. Before a new tag is
     * created, {@code beforeNewTag} gets the number of tags that exist (it throws to refuse).
     */
    void tag(
            DSLContext dsl,
            long imageId,
            Long creatorId,
            List<String> names,
            Instant now,
            java.util.function.LongConsumer beforeNewTag) {
        // names are distinct (the service dedupes them). Two uploads creating the same new tag at the same moment:
        // one of them fails on the unique name and is rolled back whole; MediaService runs it again, and it then finds
        // the tag. Lock order, against deadlocks between uploads sharing tags: tags in name order, and each tag's
        // row is locked exclusively (its counter) before the link row's foreign key would take a shared lock on it.
        for (String tagName : names.stream().sorted().toList()) {
            Long tagId =
                    dsl.select(TAGS.ID).from(TAGS).where(TAGS.NAME.eq(tagName)).fetchOne(TAGS.ID);
            if (tagId == null) {
                beforeNewTag.accept(dsl.fetchCount(TAGS));
                tagId = dsl.insertInto(TAGS)
                        .set(TAGS.NAME, tagName)
                        .set(TAGS.CREATOR_ID, creatorId)
                        .set(TAGS.FILE_COUNT, 0L)
                        .set(TAGS.CREATED_AT, Times.utc(now))
                        .returningResult(TAGS.ID)
                        .fetchOne(TAGS.ID);
            }
            dsl.update(TAGS)
                    .set(TAGS.FILE_COUNT, TAGS.FILE_COUNT.plus(1))
                    .where(TAGS.ID.eq(tagId))
                    .execute();
            dsl.insertInto(IMAGE_TAGS)
                    .set(IMAGE_TAGS.TAG_ID, tagId)
                    .set(IMAGE_TAGS.IMAGE_ID, imageId)
                    .execute();
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
            dsl.update(USERS)
                    .set(USERS.IMAGE_COUNT, USERS.IMAGE_COUNT.plus(delta))
                    .where(USERS.ID.eq(ownerId))
                    .execute();
        }
        if (albumId != null) {
            dsl.update(ALBUMS)
                    .set(ALBUMS.IMAGE_COUNT, ALBUMS.IMAGE_COUNT.plus(delta))
                    .where(ALBUMS.ID.eq(albumId))
                    .execute();
        }
    }

    /** The owner of album {@code albumId}; empty when there is no such album. */
    Optional<Long> albumOwner(DSLContext dsl, long albumId) {
        return dsl.select(ALBUMS.OWNER_ID)
                .from(ALBUMS)
                .where(ALBUMS.ID.eq(albumId))
                .fetchOptional(ALBUMS.OWNER_ID);
    }

    boolean categoryExists(DSLContext dsl, long categoryId) {
        return dsl.fetchExists(CATEGORIES, CATEGORIES.ID.eq(categoryId));
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
            case Earlier.ByUser user -> IMAGES.OWNER_ID.eq(user.userId());
            case Earlier.ByGuestsAt guests -> IMAGES.OWNER_ID.isNull().and(IMAGES.UPLOADER_IP.eq(guests.ip()));
            case Earlier.FromAddress address -> IMAGES.UPLOADER_IP.eq(address.ip());
        };
        if (since != null) {
            scope = scope.and(IMAGES.CREATED_AT.ge(Times.utc(since)));
        }
        return dsl.fetchExists(
                IMAGES,
                IMAGES.SHA256.eq(sha256).or(IMAGES.SOURCE_SHA256.eq(sha256)).and(scope));
    }

    long countImages(DSLContext dsl) {
        return dsl.select(count()).from(IMAGES).fetchSingle(0, Long.class);
    }

    /**
     * The image {@code id} with its owner's name, variants and tags: two queries (the row joined with its owner and
     * variants, one row per variant; then its tag names).
     */
    Optional<StoredImage> find(DSLContext dsl, long id) {
        Images i = IMAGES.as("i");
        Users u = USERS.as("u");
        ImageVariants v = IMAGE_VARIANTS.as("v");
        List<Record> rows = dsl.select(
                        i.ID,
                        i.OWNER_ID,
                        i.ALBUM_ID,
                        i.CATEGORY_ID,
                        i.STORAGE_KEY,
                        i.ORIGINAL_FILENAME,
                        i.TITLE,
                        i.DESCRIPTION,
                        i.MEDIA_TYPE,
                        i.EXTENSION,
                        i.WIDTH,
                        i.HEIGHT,
                        i.FRAMES,
                        i.BYTE_SIZE,
                        i.SHA256,
                        i.MD5,
                        i.EXIF,
                        i.NSFW,
                        i.VIEWS,
                        i.LIKES,
                        i.EXPIRES_AT,
                        i.CREATED_AT,
                        i.STORAGE_ID,
                        u.USERNAME,
                        v.VARIANT,
                        v.STORAGE_KEY,
                        v.MEDIA_TYPE,
                        v.WIDTH,
                        v.HEIGHT,
                        v.BYTE_SIZE)
                .from(i)
                .leftJoin(u)
                .on(u.ID.eq(i.OWNER_ID))
                .leftJoin(v)
                .on(v.IMAGE_ID.eq(i.ID))
                .where(i.ID.eq(id))
                .fetch();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Map<String, StoredImage.Variant> variants = new LinkedHashMap<>();
        for (Record r : rows) {
            String variant = r.get(v.VARIANT);
            if (variant != null) {
                variants.put(
                        variant,
                        new StoredImage.Variant(
                                variant,
                                r.get(v.STORAGE_KEY),
                                r.get(v.MEDIA_TYPE),
                                r.get(v.WIDTH),
                                r.get(v.HEIGHT),
                                r.get(v.BYTE_SIZE)));
            }
        }
        ImageTags it = IMAGE_TAGS.as("it");
        Tags t = TAGS.as("t");
        List<String> tags = dsl.select(t.NAME)
                .from(it)
                .join(t)
                .on(t.ID.eq(it.TAG_ID))
                .where(it.IMAGE_ID.eq(id))
                .orderBy(t.NAME)
                .fetch(t.NAME);
        Record r = rows.getFirst();
        LocalDateTime expires = r.get(i.EXPIRES_AT);
        return Optional.of(new StoredImage(
                id,
                r.get(i.OWNER_ID),
                r.get(u.USERNAME),
                r.get(i.ALBUM_ID),
                r.get(i.CATEGORY_ID),
                r.get(i.STORAGE_ID),
                r.get(i.STORAGE_KEY),
                r.get(i.ORIGINAL_FILENAME),
                r.get(i.TITLE),
                r.get(i.DESCRIPTION),
                r.get(i.MEDIA_TYPE),
                r.get(i.EXTENSION),
                r.get(i.WIDTH),
                r.get(i.HEIGHT),
                r.get(i.FRAMES),
                r.get(i.BYTE_SIZE),
                r.get(i.SHA256),
                r.get(i.MD5),
                r.get(i.EXIF),
                Boolean.TRUE.equals(r.get(i.NSFW)),
                r.get(i.VIEWS),
                r.get(i.LIKES),
                expires == null ? null : Times.instant(expires),
                Times.instant(r.get(i.CREATED_AT)),
                List.copyOf(tags),
                Map.copyOf(variants)));
    }

    /** Ids of up to {@code limit} images on storage {@code storageId} (null: the built-in folder) after {@code afterId}. */
    List<Long> imagesOn(DSLContext dsl, Long storageId, long afterId, int limit) {
        return dsl.select(IMAGES.ID)
                .from(IMAGES)
                .where(storageId == null ? IMAGES.STORAGE_ID.isNull() : IMAGES.STORAGE_ID.eq(storageId))
                .and(IMAGES.ID.gt(afterId))
                .orderBy(IMAGES.ID)
                .limit(limit)
                .fetch(IMAGES.ID);
    }

    /** How many images are on storage {@code storageId} (null: the built-in folder). */
    long countImagesOn(DSLContext dsl, Long storageId) {
        return dsl.fetchCount(IMAGES, storageId == null ? IMAGES.STORAGE_ID.isNull() : IMAGES.STORAGE_ID.eq(storageId));
    }

    /** Whether storage {@code id} is (still) a row of the storages table. */
    boolean storageExists(DSLContext dsl, long id) {
        return dsl.fetchExists(STORAGES, STORAGES.ID.eq(id));
    }

    /** Points image {@code id} at storage {@code to} if it is still on {@code from}; false when it is not (moved, deleted). */
    boolean moveImage(DSLContext dsl, long id, Long from, Long to) {
        return dsl.update(IMAGES)
                        .set(IMAGES.STORAGE_ID, to)
                        .where(IMAGES.ID.eq(id))
                        .and(from == null ? IMAGES.STORAGE_ID.isNull() : IMAGES.STORAGE_ID.eq(from))
                        .execute()
                == 1;
    }

    /** Where a stored file lives: the storage of its image ({@code images.storage_id}; null = the built-in folder). */
    record FileHome(Long storageId) {}

    /**
     * The storage holding the file {@code key} (an image's main file or one of its variants, which live on their
     * image's storage), or empty when no image has that key: one statement, by the two unique key indexes. Expired
     * images are found like any other (their files are served until the purge deletes them).
     */
    Optional<FileHome> fileHome(DSLContext dsl, String key) {
        Images main = IMAGES.as("i");
        ImageVariants v = IMAGE_VARIANTS.as("v");
        Images owner = IMAGES.as("o");
        Record1<Long> row = dsl.select(main.STORAGE_ID)
                .from(main)
                .where(main.STORAGE_KEY.eq(key))
                .unionAll(dsl.select(owner.STORAGE_ID)
                        .from(v)
                        .join(owner)
                        .on(owner.ID.eq(v.IMAGE_ID))
                        .where(v.STORAGE_KEY.eq(key)))
                .fetchAny();
        return row == null ? Optional.empty() : Optional.of(new FileHome(row.value1()));
    }

    Optional<String> deleteHash(DSLContext dsl, long id) {
        return dsl.select(IMAGES.DELETE_HASH)
                .from(IMAGES)
                .where(IMAGES.ID.eq(id))
                .fetchOptional(IMAGES.DELETE_HASH);
    }

    /** Ids of images whose expiry passed, oldest first. */
    List<Long> expired(DSLContext dsl, Instant now, int limit) {
        return dsl.select(IMAGES.ID)
                .from(IMAGES)
                .where(IMAGES.EXPIRES_AT.le(Times.utc(now)))
                .orderBy(IMAGES.EXPIRES_AT)
                .limit(limit)
                .fetch(IMAGES.ID);
    }

    /**
     * Removes the image's row and links (variants cascade), fixes counters, and records the deletion (unless
     * {@code audit} is false: an upload taken back before anyone saw it).
     */
    void delete(DSLContext dsl, StoredImage image, Long actorId, String ip, Instant now, boolean audit) {
        addToCounters(dsl, image.ownerId(), image.albumId(), -1);
        List<Long> tagIds = dsl.select(IMAGE_TAGS.TAG_ID)
                .from(IMAGE_TAGS)
                .where(IMAGE_TAGS.IMAGE_ID.eq(image.id()))
                .fetch(IMAGE_TAGS.TAG_ID);
        if (!tagIds.isEmpty()) {
            dsl.update(TAGS)
                    .set(TAGS.FILE_COUNT, TAGS.FILE_COUNT.minus(1))
                    .where(TAGS.ID.in(tagIds))
                    .execute();
            dsl.deleteFrom(IMAGE_TAGS).where(IMAGE_TAGS.IMAGE_ID.eq(image.id())).execute();
        }
        dsl.deleteFrom(IMAGE_VARIANTS)
                .where(IMAGE_VARIANTS.IMAGE_ID.eq(image.id()))
                .execute();
        dsl.deleteFrom(IMAGES).where(IMAGES.ID.eq(image.id())).execute();
        if (!audit) {
            return;
        }
        dsl.insertInto(DELETIONS)
                .set(DELETIONS.IMAGE_ID, image.id())
                .set(DELETIONS.USER_ID, actorId)
                .set(DELETIONS.IP, ip)
                .set(DELETIONS.MD5, image.md5())
                .set(DELETIONS.ORIGINAL_FILENAME, image.originalFilename())
                .set(DELETIONS.VIEWS, image.views())
                .set(DELETIONS.LIKES, image.likes())
                .set(DELETIONS.DELETED_AT, Times.utc(now))
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
        dsl.select(IMAGES.ID, IMAGES.STAGING_TOKEN, IMAGES.STORAGE_KEY)
                .from(IMAGES)
                .where(IMAGES.STAGING_TOKEN.in(tokens))
                .fetch()
                .forEach(r -> {
                    tokenOf.put(r.value1(), r.value2());
                    uploads.computeIfAbsent(r.value2(), t -> new LinkedHashMap<>())
                            .put("main", r.value3());
                });
        if (!tokenOf.isEmpty()) {
            dsl.select(IMAGE_VARIANTS.IMAGE_ID, IMAGE_VARIANTS.VARIANT, IMAGE_VARIANTS.STORAGE_KEY)
                    .from(IMAGE_VARIANTS)
                    .where(IMAGE_VARIANTS.IMAGE_ID.in(tokenOf.keySet()))
                    .fetch()
                    .forEach(r -> uploads.get(tokenOf.get(r.value1())).put(r.value2(), r.value3()));
        }
        return uploads;
    }

    /**
     * A file waiting to be deleted: its queue row, its storage (null: the built-in folder) and key, how many attempts
     * failed so far.
     */
    record QueuedBlob(long id, Long storageId, String storageKey, int attempts) {}

    /**
     * Queues {@code keys} of storage {@code storageId} for deletion, due now; returns them with their queue ids. Call
     * in the transaction that drops their row.
     */
    List<QueuedBlob> queueBlobDeletions(DSLContext dsl, Long storageId, List<String> keys, Instant now) {
        List<QueuedBlob> queued = new ArrayList<>();
        for (String key : keys) {
            long id = dsl.insertInto(BLOB_DELETIONS)
                    .set(BLOB_DELETIONS.STORAGE_ID, storageId)
                    .set(BLOB_DELETIONS.STORAGE_KEY, key)
                    .set(BLOB_DELETIONS.ATTEMPTS, 0)
                    .set(BLOB_DELETIONS.QUEUED_AT, Times.utc(now))
                    .set(BLOB_DELETIONS.NEXT_ATTEMPT_AT, Times.utc(now))
                    .returningResult(BLOB_DELETIONS.ID)
                    .fetchOne(BLOB_DELETIONS.ID);
            queued.add(new QueuedBlob(id, storageId, key, 0));
        }
        return queued;
    }

    /** Queued files due for an attempt at {@code now}, the longest-waiting first. */
    List<QueuedBlob> dueBlobDeletions(DSLContext dsl, Instant now, int limit) {
        return dsl.select(
                        BLOB_DELETIONS.ID,
                        BLOB_DELETIONS.STORAGE_ID,
                        BLOB_DELETIONS.STORAGE_KEY,
                        BLOB_DELETIONS.ATTEMPTS)
                .from(BLOB_DELETIONS)
                .where(BLOB_DELETIONS.NEXT_ATTEMPT_AT.le(Times.utc(now)))
                .orderBy(BLOB_DELETIONS.NEXT_ATTEMPT_AT, BLOB_DELETIONS.ID)
                .limit(limit)
                .fetch(r -> new QueuedBlob(r.value1(), r.value2(), r.value3(), r.value4()));
    }

    /** Every queued file, due or not (for tests and statistics). */
    List<QueuedBlob> queuedBlobDeletions(DSLContext dsl) {
        return dsl.select(
                        BLOB_DELETIONS.ID,
                        BLOB_DELETIONS.STORAGE_ID,
                        BLOB_DELETIONS.STORAGE_KEY,
                        BLOB_DELETIONS.ATTEMPTS)
                .from(BLOB_DELETIONS)
                .orderBy(BLOB_DELETIONS.ID)
                .fetch(r -> new QueuedBlob(r.value1(), r.value2(), r.value3(), r.value4()));
    }

    /** Whether an image or variant row names {@code key} as a file of storage {@code storageId} (null: built-in). */
    boolean fileInUse(DSLContext dsl, Long storageId, String key) {
        Condition onStorage = storageId == null ? IMAGES.STORAGE_ID.isNull() : IMAGES.STORAGE_ID.eq(storageId);
        return dsl.fetchExists(dsl.selectOne()
                .from(IMAGES)
                .where(IMAGES.STORAGE_KEY.eq(key))
                .and(onStorage)
                .unionAll(dsl.selectOne()
                        .from(IMAGE_VARIANTS)
                        .join(IMAGES)
                        .on(IMAGES.ID.eq(IMAGE_VARIANTS.IMAGE_ID))
                        .where(IMAGE_VARIANTS.STORAGE_KEY.eq(key))
                        .and(onStorage)));
    }

    void blobDeleted(DSLContext dsl, long queueId) {
        dsl.deleteFrom(BLOB_DELETIONS).where(BLOB_DELETIONS.ID.eq(queueId)).execute();
    }

    void blobDeletionFailed(DSLContext dsl, long queueId, int attempts, String error, Instant nextAttempt) {
        dsl.update(BLOB_DELETIONS)
                .set(BLOB_DELETIONS.ATTEMPTS, attempts)
                .set(BLOB_DELETIONS.LAST_ERROR, error.length() > 255 ? error.substring(0, 255) : error)
                .set(BLOB_DELETIONS.NEXT_ATTEMPT_AT, Times.utc(nextAttempt))
                .where(BLOB_DELETIONS.ID.eq(queueId))
                .execute();
    }
}
