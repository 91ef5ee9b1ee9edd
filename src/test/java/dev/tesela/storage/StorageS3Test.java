package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.security.Crypto;
import dev.tesela.storage.StorageService.Fields;
import dev.tesela.storage.StorageService.Problem;
import dev.tesela.testing.S3Server;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.nio.file.Files;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Storages of api s3 with the real adapter (S3BlobStore, as App wires it) against a real S3 API server (S3Proxy,
 * {@link S3Server#shared()}): added after a round trip that leaves no object behind, tested, used by the site's
 * runtime; and the round trip's errors as the adapter reports them (wrong secret, no such bucket).
 */
class StorageS3Test {

    private static Fields s3(String bucket, String prefix, String secret) {
        return new Fields(
                "S3 " + bucket,
                "s3",
                bucket,
                S3Server.REGION,
                S3Server.shared().endpoint().toString(),
                null,
                "1GB",
                prefix,
                S3Server.ACCESS_KEY,
                secret,
                true,
                null,
                null);
    }

    @Test
    void anS3StorageThroughTheRealAdapter() throws Exception {
        S3Server server = S3Server.shared();
        String bucket = "storages-" + Crypto.randomBase62(8).toLowerCase(Locale.ROOT);
        server.createBucket(bucket);
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            StorageService storages = site.app().storages();
            var added = storages.add(site.system(), s3(bucket, "site1", S3Server.SECRET_KEY), true);
            assertEquals("site1/", added.keyPrefix());
            assertEquals(java.util.List.of(), server.objectKeys(bucket), "the round trip leaves nothing behind");
            var tested = storages.test(site.system(), added.id());
            assertTrue(tested.ok(), tested::describe);

            Storage storage = site.app().defaultTenant().storages().forUpload(10);
            assertEquals(added.id(), storage.id());
            var file = Files.writeString(Files.createTempFile("tesela-s3-", ".txt"), "hello");
            storage.store().putNew("a/b.txt", file, "text/plain");
            assertEquals(java.util.List.of("site1/a/b.txt"), server.objectKeys(bucket));
            storage.store().delete("a/b.txt");

            var denied = assertThrows(
                    AppException.class, () -> storages.add(site.system(), s3(bucket, null, "not-the-secret"), true));
            assertTrue(denied.getMessage().contains("access denied"), denied.getMessage());
            assertFalse(denied.getMessage().contains("not-the-secret"), denied.getMessage());

            var saved = storages.add(site.system(), s3("no-such-bucket-here", null, S3Server.SECRET_KEY), false);
            var missing = storages.test(site.system(), saved.id());
            assertFalse(missing.ok());
            assertEquals(Problem.NO_SUCH_BUCKET, missing.problem().orElseThrow(), missing::describe);
        }
    }
}
