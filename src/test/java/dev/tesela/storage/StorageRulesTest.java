package dev.tesela.storage;

import static dev.tesela.storage.StorageServiceTest.SECRET;
import static dev.tesela.storage.StorageServiceTest.local;
import static dev.tesela.storage.StorageServiceTest.s3;
import static dev.tesela.storage.StorageServiceTest.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.storage.StorageService.Fields;
import dev.tesela.storage.StorageService.Problem;
import dev.tesela.storage.StorageServiceTest.FakeS3;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@link StorageService} on H2: every bad field named at once, admins only, TESELA_MAX_STORAGES and
 * TESELA_MIN_STORAGES_ACTIVE, TESELA_ENABLE_LOCAL_STORAGE=0, and the round trip's errors (a folder that cannot be
 * written, a bucket that denies access, does not exist or does not answer), with nothing saved when the test fails.
 */
class StorageRulesTest {
    @Test
    void everyBadFieldIsNamedAtOnce() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            StorageService storages = service(site, new FakeS3());
            var e = assertThrows(
                    AppException.class,
                    () -> storages.add(
                            site.system(),
                            new Fields(
                                    "",
                                    "s3",
                                    "Not_A_Bucket",
                                    "US EAST",
                                    "ftp://x",
                                    "https://cdn.example.com/no-slash",
                                    "lots",
                                    "../up",
                                    "",
                                    null,
                                    null,
                                    null,
                                    null),
                            false));
            assertEquals(ErrorCode.INVALID_INPUT, e.code());
            assertEquals(
                    java.util.Set.of(
                            "name",
                            "bucket",
                            "region",
                            "endpoint",
                            "public-url",
                            "capacity",
                            "key-prefix",
                            "key",
                            "secret"),
                    e.fieldErrors().keySet(),
                    e.fieldErrors()::toString);
            var api = assertThrows(
                    AppException.class,
                    () -> storages.add(
                            site.system(),
                            new Fields("x", "ftp", "/tmp", null, null, null, null, null, null, null, null, null, null),
                            false));
            assertEquals(List.of("api"), List.copyOf(api.fieldErrors().keySet()));
            var localWithKeys = assertThrows(
                    AppException.class,
                    () -> storages.add(
                            site.system(),
                            new Fields(
                                    "x",
                                    "local",
                                    "relative/dir",
                                    "eu",
                                    null,
                                    null,
                                    null,
                                    null,
                                    "k",
                                    null,
                                    null,
                                    null,
                                    null),
                            false));
            assertEquals(
                    java.util.Set.of("bucket", "region", "key"),
                    localWithKeys.fieldErrors().keySet());
            assertTrue(storages.list(site.system()).isEmpty(), "nothing was saved");
            var user = site.guest("127.0.0.1");
            assertThrows(AppException.class, () -> storages.list(user), "guests may not manage storages");
        }
    }

    @Test
    void limitsOnTheNumberAndTheActiveOnes() throws Exception {
        FakeS3 s3 = new FakeS3();
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2)
                .env(
                        "TESELA_TENANT_ENFORCED",
                        "{\"limits\":{\"TESELA_MAX_STORAGES\":2,\"TESELA_MIN_STORAGES_ACTIVE\":1}}")
                .installed()
                .start()) {
            StorageService storages = service(site, s3);
            var one = storages.add(site.system(), s3("one", "bucket-one"), true);
            var disable = assertThrows(AppException.class, () -> storages.setActive(site.system(), one.id(), false));
            assertEquals(ErrorCode.CONFLICT, disable.code());
            assertTrue(disable.getMessage().contains("TESELA_MIN_STORAGES_ACTIVE"), disable.getMessage());
            assertEquals(
                    ErrorCode.CONFLICT,
                    assertThrows(AppException.class, () -> storages.delete(site.system(), one.id()))
                            .code());

            var two = storages.add(site.system(), s3("two", "bucket-two"), true);
            var third = assertThrows(AppException.class, () -> storages.add(site.system(), s3("three", "b-3"), false));
            assertEquals(ErrorCode.LIMIT_REACHED, third.code());
            assertTrue(third.getMessage().contains("storages"), third.getMessage());

            storages.setActive(site.system(), one.id(), false);
            assertThrows(AppException.class, () -> storages.setActive(site.system(), two.id(), false));
            storages.setActive(site.system(), one.id(), true);
            storages.setActive(site.system(), two.id(), false);
            assertEquals(1, site.app().defaultTenant().storages().activeExternal());
        }
    }

    @Test
    void localStorageCanBeDisabled() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2)
                .env("TESELA_ENABLE_LOCAL_STORAGE", "0")
                .installed()
                .start()) {
            StorageService storages = service(site, new FakeS3());
            var e = assertThrows(
                    AppException.class,
                    () -> storages.add(site.system(), local("disk", Files.createTempDirectory("x")), false));
            assertEquals(List.of("api"), List.copyOf(e.fieldErrors().keySet()));
            assertTrue(e.getMessage().contains("TESELA_ENABLE_LOCAL_STORAGE=0"), e.getMessage());
            SiteStorages runtime = site.app().defaultTenant().storages();
            assertTrue(runtime.builtIn().isEmpty());
            assertEquals(
                    ErrorCode.UNAVAILABLE,
                    assertThrows(AppException.class, () -> runtime.forUpload(10))
                            .code());

            storages.add(site.system(), s3("bucket", "bucket-one"), true);
            var after = site.app().defaultTenant().storages();
            assertEquals("bucket", after.forUpload(10).name(), "the new storage takes uploads at once");
        }
    }

    @Test
    void theRoundTripSaysWhatFailed() throws Exception {
        FakeS3 s3 = new FakeS3();
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2).installed().start()) {
            StorageService storages = service(site, s3);
            RequestContext system = site.system();

            Path aFile = Files.writeString(Files.createTempFile("tesela-not-a-folder-", ".txt"), "x");
            var notWritable = assertThrows(
                    AppException.class, () -> storages.add(system, local("bad", aFile.resolve("sub")), true));
            assertEquals(ErrorCode.INVALID_INPUT, notWritable.code());
            assertTrue(
                    notWritable.getMessage().contains("folder cannot be created or written"), notWritable.getMessage());
            assertTrue(storages.list(system).isEmpty(), "a storage that fails its test is not saved");

            var denied = assertThrows(AppException.class, () -> storages.add(system, s3("d", "denied-bucket"), true));
            assertTrue(denied.getMessage().contains("access denied"), denied.getMessage());
            assertTrue(denied.getMessage().contains("at put"), denied.getMessage());
            assertFalse(denied.getMessage().contains(SECRET));

            var missing = assertThrows(AppException.class, () -> storages.add(system, s3("m", "missing-bucket"), true));
            assertTrue(missing.getMessage().contains("no such bucket"), missing.getMessage());

            var down = assertThrows(AppException.class, () -> storages.add(system, s3("u", "down-bucket"), true));
            assertEquals(ErrorCode.UNAVAILABLE, down.code());
            assertTrue(down.getMessage().contains("cannot be reached"), down.getMessage());

            // Saved without the test, then tested: the result says what failed.
            var saved = storages.add(system, s3("later", "down-bucket"), false);
            var result = storages.test(system, saved.id());
            assertFalse(result.ok());
            assertEquals(Problem.UNREACHABLE, result.problem().orElseThrow());
            assertEquals("put", result.step().orElseThrow());

            // Fixing the bucket re-runs the test; passing, it is saved.
            var fixed = storages.edit(
                    system,
                    saved.id(),
                    new Fields(null, null, "good-bucket", null, null, null, null, null, null, null, null, null, null),
                    true);
            assertEquals("good-bucket", fixed.bucket());
            assertTrue(storages.test(system, saved.id()).ok());
            assertTrue(result.describe().startsWith("FAILED at put"), result.describe());
        }
    }

    @Test
    void aProviderTenantsEnvCanDisableLocalStorageForItAlone() throws Exception {
        dev.tesela.testing.Services.requireRedis();
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put("TESELA_TENANTS_ENABLED", "1");
        env.put("TESELA_REDIS_URL", "redis://127.0.0.1:6379");
        env.put(
                "TESELA_ENCRYPTION_KEY",
                java.util.Base64.getEncoder().encodeToString(dev.tesela.platform.security.Crypto.randomBytes(32)));
        env.put("TESELA_PROVIDER_NAME", "Test provider");
        env.put("TESELA_PROVIDER_URL", "https://provider.example");
        String suffix = dev.tesela.platform.security.Crypto.randomBase62(6).toLowerCase(java.util.Locale.ROOT);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                dev.tesela.App app = dev.tesela.testing.TestApps.migratedApp(db, env)) {
            String cloud = "c" + suffix;
            String disk = "d" + suffix;
            app.registry()
                    .create(new dev.tesela.tenancy.TenantCommands.CreateTenant(
                            cloud,
                            cloud + ".test",
                            true,
                            null,
                            null,
                            java.util.Map.of("TESELA_ENABLE_LOCAL_STORAGE", "0")));
            app.registry()
                    .create(new dev.tesela.tenancy.TenantCommands.CreateTenant(
                            disk, disk + ".test", true, null, null, java.util.Map.of()));
            assertTrue(
                    app.tenants().byId(cloud).orElseThrow().storages().builtIn().isEmpty());
            assertTrue(
                    app.tenants().byId(disk).orElseThrow().storages().builtIn().isPresent());
            var cloudAdmin = app.systemContext(app.tenants().byId(cloud).orElseThrow());
            var refusedLocal = assertThrows(
                    AppException.class,
                    () -> app.storages().add(cloudAdmin, local("disk", Files.createTempDirectory("x")), false));
            assertEquals(java.util.Set.of("api"), refusedLocal.fieldErrors().keySet());
            var diskAdmin = app.systemContext(app.tenants().byId(disk).orElseThrow());
            var added = app.storages().add(diskAdmin, local("disk", Files.createTempDirectory("y")), true);
            assertEquals(1, app.storages().list(diskAdmin).size());
            assertTrue(app.storages().list(cloudAdmin).isEmpty(), "each tenant has its own storages");
            assertEquals(
                    added.id(),
                    app.tenants()
                            .byId(disk)
                            .orElseThrow()
                            .storages()
                            .forUpload(1)
                            .id(),
                    "the tenant's runtime was replaced: its new storage takes uploads");
            var bad = assertThrows(
                    AppException.class,
                    () -> app.registry()
                            .create(new dev.tesela.tenancy.TenantCommands.CreateTenant(
                                    "e" + suffix,
                                    "e" + suffix + ".test",
                                    true,
                                    null,
                                    null,
                                    java.util.Map.of("TESELA_ENABLE_LOCAL_STORAGE", "maybe"))));
            assertTrue(bad.fieldErrors().containsKey("env.TESELA_ENABLE_LOCAL_STORAGE"), bad.fieldErrors()::toString);
        }
    }
}
