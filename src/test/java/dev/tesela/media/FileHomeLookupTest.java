package dev.tesela.media;

import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.STORAGES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tesela.platform.db.Times;
import dev.tesela.testing.QueryCounter;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.Optional;
import org.jooq.DSLContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which storage holds a file, by its key ({@link MediaRepository#fileHome}): the storage of its image for the main
 * file and for each variant, the built-in folder for an image that names none, nothing for a key no image has; one
 * statement each, on every supported database (MariaDB's and PostgreSQL's UNION ALL included).
 */
class FileHomeLookupTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void aKeyIsFoundOnItsImagesStorageInOneStatement(TestDatabase.Kind kind) throws Exception {
        try (TestSite site = TestSite.on(kind).installed().start()) {
            byte[] jpeg = TestImages.jpeg(1200, 900, 11);
            StoredImage image = site.app()
                    .media()
                    .upload(
                            site.system(),
                            new UploadRequest(
                                    new UploadSource.FilePart(() -> new ByteArrayInputStream(jpeg), "a.jpg", null),
                                    null,
                                    null,
                                    null,
                                    null,
                                    null,
                                    null,
                                    null,
                                    null,
                                    true))
                    .image();
            String thumb = image.variant("thumb").orElseThrow().storageKey();
            String medium = image.variant("medium").orElseThrow().storageKey();
            DSLContext dsl = site.dsl();
            MediaRepository repository = new MediaRepository();
            QueryCounter queries = QueryCounter.attachTo(dsl);

            var builtIn = queries.count(() -> repository.fileHome(dsl, image.storageKey()));
            assertEquals(Optional.of(new MediaRepository.FileHome(null)), builtIn.result());
            assertEquals(1, builtIn.count(), builtIn.listing());
            assertEquals(Optional.of(new MediaRepository.FileHome(null)), repository.fileHome(dsl, thumb));

            long storage = dsl.insertInto(STORAGES)
                    .set(STORAGES.NAME, "bucket")
                    .set(STORAGES.API, "s3")
                    .set(STORAGES.CREATED_AT, Times.utc(Instant.now()))
                    .returningResult(STORAGES.ID)
                    .fetchOne(STORAGES.ID);
            dsl.update(IMAGES)
                    .set(IMAGES.STORAGE_ID, storage)
                    .where(IMAGES.ID.eq(image.id()))
                    .execute();
            for (String key : new String[] {image.storageKey(), thumb, medium}) {
                var found = queries.count(() -> repository.fileHome(dsl, key));
                assertEquals(Optional.of(new MediaRepository.FileHome(storage)), found.result(), key);
                assertEquals(1, found.count(), found.listing());
            }
            var unknown = queries.count(() -> repository.fileHome(dsl, "2026/01/01/none.jpeg"));
            assertFalse(unknown.result().isPresent());
            assertEquals(1, unknown.count(), unknown.listing());
            // Keys are compared exactly (case-sensitive collation on MariaDB).
            assertFalse(
                    repository.fileHome(dsl, image.storageKey().toUpperCase()).isPresent());
        }
    }
}
