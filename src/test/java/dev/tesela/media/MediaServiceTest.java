package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The media service on every supported database, and its pure rules (expiration, base64, addresses). */
class MediaServiceTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void uploadFindTagDeleteAndPurgeOnEveryDatabase(TestDatabase.Kind kind) throws Exception {
        try (TestSite site = TestSite.on(kind).installed().user("alice").start()) {
            App app = site.app();
            RequestContext system = site.system();
            RequestContext rcAlice = site.as("alice");
            RequestContext rcBob = site.guest("203.0.113.9");

            UploadResult first =
                    app.media().upload(rcAlice, request(TestImages.jpeg(1000, 600, 1), "Harbour, Boats", "P3D"));
            UploadResult second = app.media().upload(rcAlice, request(TestImages.jpeg(700, 400, 2), "boats", null));
            StoredImage image = first.image();
            assertEquals(List.of("boats", "harbour"), image.tags());
            assertEquals("alice", image.ownerUsername());
            assertEquals(1000, image.width());
            assertEquals(2, image.variants().size(), "thumb and medium");
            assertNotNull(image.expiresAt());
            assertTrue(Duration.between(image.createdAt(), image.expiresAt()).toHours() >= 71);
            assertNull(second.image().expiresAt());

            String publicId = app.media().publicIds(system).encode(image.id());
            // The upload's answer is built without reading the row back: it must say exactly what a later read says.
            assertEquals(app.media().find(rcBob, publicId).orElseThrow(), image);
            assertEquals(
                    app.media()
                            .find(
                                    rcBob,
                                    app.media()
                                            .publicIds(system)
                                            .encode(second.image().id()))
                            .orElseThrow(),
                    second.image());
            assertTrue(app.media().find(rcBob, publicId + "x").isEmpty(), "a non-canonical id finds nothing");

            AppException notYours =
                    assertThrows(AppException.class, () -> app.media().delete(rcBob, publicId));
            assertEquals(ErrorCode.FORBIDDEN, notYours.code());
            assertFalse(app.media().deleteWithSecret(rcBob, publicId, "x".repeat(40)));
            String otherId = app.media().publicIds(system).encode(second.image().id());
            assertFalse(
                    app.media().deleteWithSecret(rcBob, otherId, first.deleteSecret()),
                    "a secret opens only its own image");
            assertTrue(app.media().deleteWithSecret(rcBob, publicId, first.deleteSecret()));
            assertTrue(app.media().find(rcBob, publicId).isEmpty());

            var dsl = site.dsl();
            long boats = dsl.select(org.jooq.impl.DSL.field("file_count", Long.class))
                    .from(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("tags")))
                    .where(org.jooq.impl.DSL.field("name", String.class).eq("boats"))
                    .fetchSingle(0, Long.class);
            assertEquals(1, boats, "tag counters follow deletions");
            assertEquals(1, dsl.fetchCount(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("deletions"))));

            app.media().delete(rcAlice, otherId);
            assertEquals(0, dsl.fetchCount(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("images"))));
        }
    }

    @Test
    void guestsNeedGuestUploadsEnabled() {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            App app = site.app();
            RequestContext system = site.system();
            RequestContext guest = site.guest("198.51.100.7");
            assertTrue(app.media().uploadOptions(guest).allowed());
            app.settings().update(system, "guest_uploads", "0");
            // A change applies from the next request: the tenant's runtime (and its settings snapshot) is replaced.
            RequestContext nextGuest = site.guest("198.51.100.7");
            assertTrue(app.media().uploadOptions(guest).allowed(), "a request keeps the snapshot it started with");
            AppException e = assertThrows(
                    AppException.class,
                    () -> app.media().upload(nextGuest, request(TestImages.png(20, 20, 3), null, null)));
            assertEquals(ErrorCode.UNAUTHORIZED, e.code());
            assertFalse(app.media().uploadOptions(nextGuest).allowed());
            assertEquals(
                    10L * 1024 * 1024,
                    app.media().uploadOptions(nextGuest).maxBytes(),
                    "guests get the guest size limit");
        }
    }

    @ParameterizedTest
    @CsvSource({"PT5M,300", "P3D,259200", "P1M,2592000", "P1Y,31536000", "P2W,1209600", "3600,3600", "PT1H30M,5400"})
    void expirationsAreIsoDurationsOrSeconds(String text, long seconds) {
        assertEquals(
                Duration.ofSeconds(seconds), UploadFields.parseExpiration(text).orElseThrow());
    }

    @ParameterizedTest
    @CsvSource({"soon", "P", "-P1D", "1e9", "PT"})
    void badExpirationsAreRefused(String text) {
        assertTrue(
                UploadFields.parseExpiration(text).isEmpty()
                        || UploadFields.parseExpiration(text).get().isNegative(),
                text);
    }

    @Test
    void base64MustBeCanonical() {
        assertEquals(3, Base64Decoding.decode("AQID", 100).length);
        assertEquals(3, Base64Decoding.decode(" AQ\r\nID\t", 100).length);
        for (String bad : List.of("data:image/png;base64,AQID", "AQI", "AQ==ID", "A*ID", "AQJ=")) {
            assertThrows(AppException.class, () -> Base64Decoding.decode(bad, 100), bad);
        }
        assertEquals(
                ErrorCode.PAYLOAD_TOO_LARGE,
                assertThrows(AppException.class, () -> Base64Decoding.decode("AAAA".repeat(100), 30))
                        .code());
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1,false",
        "10.1.2.3,false",
        "172.16.0.1,false",
        "192.168.1.1,false",
        "169.254.169.254,false",
        "100.64.0.1,false",
        "0.0.0.0,false",
        "224.0.0.1,false",
        "255.255.255.255,false",
        "::1,false",
        "fe80::1,false",
        "fd00::1,false",
        "::ffff:127.0.0.1,false",
        "::ffff:10.0.0.1,false",
        "8.8.8.8,true",
        "1.1.1.1,true",
        "2606:4700:4700::1111,true",
        "::ffff:8.8.8.8,true"
    })
    void onlyPublicAddressesMayBeFetched(String address, boolean expected) throws Exception {
        assertEquals(expected, UrlFetcher.isPublic(InetAddress.getByName(address)), address);
    }

    @Test
    void titlesComeFromFileNames() {
        assertEquals("my holiday photo", UploadFields.titleFromName("my_holiday--photo.JPG"));
        assertEquals("evil", UploadFields.titleFromName("../../evil.png"));
        assertNull(UploadFields.titleFromName(".png"));
        assertNull(UploadFields.titleFromName(null));
    }

    private static UploadRequest request(byte[] content, String tags, String expiration) {
        return new UploadRequest(
                new UploadSource.FilePart(() -> new ByteArrayInputStream(content), "photo.jpg", null),
                null,
                null,
                tags,
                null,
                null,
                null,
                expiration,
                null,
                true);
    }
}
