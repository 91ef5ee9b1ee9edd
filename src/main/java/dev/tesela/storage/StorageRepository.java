package dev.tesela.storage;

import static dev.tesela.platform.db.schema.tenant.Tables.BLOB_DELETIONS;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGE_VARIANTS;
import static dev.tesela.platform.db.schema.tenant.Tables.STORAGES;

import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.tenant.tables.records.StoragesRecord;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The {@code storages} table of a site (rows ↔ {@link StorageRow}) and the byte counts kept in it. Stateless. */
final class StorageRepository {

    /** Every row, by id ascending: one query. */
    List<StorageRow> all(DSLContext dsl) {
        return dsl.selectFrom(STORAGES).orderBy(STORAGES.ID).fetch(StorageRepository::row);
    }

    Optional<StorageRow> byId(DSLContext dsl, long id) {
        return dsl.selectFrom(STORAGES).where(STORAGES.ID.eq(id)).fetchOptional(StorageRepository::row);
    }

    int count(DSLContext dsl) {
        return dsl.fetchCount(STORAGES);
    }

    /** Inserts {@code row} without its credentials (they are sealed for the new id, then {@link #putCredentials}). */
    long insert(DSLContext dsl, StorageRow row) {
        StoragesRecord r = dsl.newRecord(STORAGES);
        fill(r, row);
        r.setUsedBytes(0L);
        r.setCreatedAt(Times.utc(row.createdAt()));
        return dsl.insertInto(STORAGES).set(r).returningResult(STORAGES.ID).fetchOne(STORAGES.ID);
    }

    /** Writes every field but the id, the byte count and the creation time. */
    void update(DSLContext dsl, StorageRow row) {
        StoragesRecord r = dsl.newRecord(STORAGES);
        fill(r, row);
        r.setKeyEnc(row.keySealed().orElse(null));
        r.setSecretEnc(row.secretSealed().orElse(null));
        dsl.update(STORAGES).set(r).where(STORAGES.ID.eq(row.id())).execute();
    }

    void putCredentials(DSLContext dsl, long id, String keySealed, String secretSealed) {
        dsl.update(STORAGES)
                .set(STORAGES.KEY_ENC, keySealed)
                .set(STORAGES.SECRET_ENC, secretSealed)
                .where(STORAGES.ID.eq(id))
                .execute();
    }

    /** Clears the site-files flag of every row, then sets it on {@code id} (when not null). */
    void setSiteFiles(DSLContext dsl, Long id) {
        dsl.update(STORAGES)
                .set(STORAGES.FOR_SITE_FILES, false)
                .where(STORAGES.FOR_SITE_FILES.isTrue())
                .execute();
        if (id != null) {
            dsl.update(STORAGES)
                    .set(STORAGES.FOR_SITE_FILES, true)
                    .where(STORAGES.ID.eq(id))
                    .execute();
        }
    }

    boolean delete(DSLContext dsl, long id) {
        return dsl.deleteFrom(STORAGES).where(STORAGES.ID.eq(id)).execute() == 1;
    }

    /** How many images name storage {@code id}. */
    int imagesOn(DSLContext dsl, long id) {
        return dsl.fetchCount(IMAGES, IMAGES.STORAGE_ID.eq(id));
    }

    /** How many file deletions are queued against storage {@code id}. */
    int deletionsQueuedOn(DSLContext dsl, long id) {
        return dsl.fetchCount(BLOB_DELETIONS, BLOB_DELETIONS.STORAGE_ID.eq(id));
    }

    /**
     * Adds {@code bytes} to the storage's count if it stays within its capacity: one conditional UPDATE, so
     * concurrent reservations never take it past its capacity together.
     */
    boolean reserve(DSLContext dsl, long id, long bytes) {
        return dsl.update(STORAGES)
                        .set(STORAGES.USED_BYTES, STORAGES.USED_BYTES.plus(bytes))
                        .where(STORAGES.ID.eq(id))
                        .and(STORAGES.CAPACITY_BYTES
                                .isNull()
                                .or(STORAGES.USED_BYTES.plus(bytes).le(STORAGES.CAPACITY_BYTES)))
                        .execute()
                == 1;
    }

    /** Takes {@code bytes} off the storage's count, never below 0. */
    void release(DSLContext dsl, long id, long bytes) {
        dsl.update(STORAGES)
                .set(
                        STORAGES.USED_BYTES,
                        DSL.when(STORAGES.USED_BYTES.le(bytes), DSL.inline(0L))
                                .otherwise(STORAGES.USED_BYTES.minus(bytes)))
                .where(STORAGES.ID.eq(id))
                .execute();
    }

    /**
     * Sets every row's count to the bytes its images take: their main files ({@code images.byte_size}) and their
     * variants ({@code image_variants.byte_size}, the variants living on their image's storage). One statement.
     */
    int recount(DSLContext dsl) {
        var images = IMAGES.as("i");
        var variants = IMAGE_VARIANTS.as("v");
        var mainBytes = DSL.select(DSL.coalesce(DSL.sum(images.BYTE_SIZE), DSL.inline(java.math.BigDecimal.ZERO)))
                .from(images)
                .where(images.STORAGE_ID.eq(STORAGES.ID));
        var variantBytes = DSL.select(DSL.coalesce(DSL.sum(variants.BYTE_SIZE), DSL.inline(java.math.BigDecimal.ZERO)))
                .from(variants)
                .join(images)
                .on(images.ID.eq(variants.IMAGE_ID))
                .where(images.STORAGE_ID.eq(STORAGES.ID));
        return dsl.update(STORAGES)
                .set(
                        STORAGES.USED_BYTES,
                        mainBytes
                                .asField()
                                .cast(Long.class)
                                .plus(variantBytes.asField().cast(Long.class)))
                .execute();
    }

    private static void fill(StoragesRecord r, StorageRow row) {
        r.setName(row.name());
        r.setApi(row.api());
        r.setBucket(row.bucket());
        r.setRegion(row.region().orElse(null));
        r.setEndpoint(row.endpoint().orElse(null));
        r.setPublicUrl(row.publicUrl().orElse(null));
        r.setKeyPrefix(row.keyPrefix().isEmpty() ? null : row.keyPrefix());
        r.setPathStyle(row.pathStyle());
        r.setIsActive(row.active());
        r.setCapacityBytes(row.capacityBytes().isPresent() ? row.capacityBytes().getAsLong() : null);
        r.setForSiteFiles(row.forSiteFiles());
    }

    private static StorageRow row(StoragesRecord r) {
        return new StorageRow(
                r.getId(),
                r.getName(),
                r.getApi(),
                r.getBucket() == null ? "" : r.getBucket(),
                Optional.ofNullable(r.getRegion()),
                Optional.ofNullable(r.getEndpoint()),
                Optional.ofNullable(r.getPublicUrl()),
                r.getKeyPrefix() == null ? "" : r.getKeyPrefix(),
                Optional.ofNullable(r.getKeyEnc()),
                Optional.ofNullable(r.getSecretEnc()),
                r.getPathStyle(),
                r.getIsActive(),
                r.getCapacityBytes() == null ? OptionalLong.empty() : OptionalLong.of(r.getCapacityBytes()),
                r.getUsedBytes(),
                r.getForSiteFiles(),
                Times.instant(r.getCreatedAt()));
    }
}
