package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.SchemaMigrator;
import dev.tesela.platform.db.SchemaMigrator.Schema;
import dev.tesela.testing.TestDatabase;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How an upload tells "another upload took this file name" (try the next name) from any other failure, on each
 * database: the unique keys of tenant migration V3 on images and image_variants storage keys are recognised, a
 * duplicate tag name is not.
 */
class StorageKeyUniquenessTest {

    @ParameterizedTest
    @EnumSource(
            value = TestDatabase.Kind.class,
            names = {"H2", "POSTGRES"}) // MariaDB: ConcurrentUploadsTest
    void aTakenStorageKeyIsRecognisedAndOtherUniqueKeysAreNot(TestDatabase.Kind kind) {
        try (TestDatabase db = TestDatabase.create(kind);
                Database database = new Database(db.config("tsl_"), "test")) {
            new SchemaMigrator(database).migrate(Schema.TENANT, "tsl_");
            DSLContext dsl = database.tenantDsl("tsl_");
            String image = "INSERT INTO tsl_images (storage_key, media_type, extension, sha256, md5, created_at) "
                    + "VALUES ('2026/01/01/a.jpg', 'image/jpeg', 'jpg', 's', 'm', CURRENT_TIMESTAMP)";
            dsl.execute(image);
            assertTrue(
                    UploadRecorder.storageKeyTaken(assertThrows(DataAccessException.class, () -> dsl.execute(image))));

            long id = ((Number) dsl.fetchValue("SELECT id FROM tsl_images")).longValue();
            String variant = "INSERT INTO tsl_image_variants (image_id, variant, storage_key, media_type) VALUES (" + id
                    + ", '%s', '2026/01/01/a.th.jpeg', 'image/jpeg')";
            dsl.execute(variant.formatted("thumb"));
            assertTrue(UploadRecorder.storageKeyTaken(
                    assertThrows(DataAccessException.class, () -> dsl.execute(variant.formatted("medium")))));

            String tag = "INSERT INTO tsl_tags (name, created_at) VALUES ('sea', CURRENT_TIMESTAMP)";
            dsl.execute(tag);
            assertFalse(
                    UploadRecorder.storageKeyTaken(assertThrows(DataAccessException.class, () -> dsl.execute(tag))));
        }
    }
}
