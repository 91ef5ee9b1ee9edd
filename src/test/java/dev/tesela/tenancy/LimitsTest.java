package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.media.UploadRequest;
import dev.tesela.media.UploadSource;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import dev.tesela.tenancy.TenantCommands.PlanChange;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Limits are enforced where things are created, with an error naming the limit; plan < tenant < enforced. */
class LimitsTest {
    private int seed = 500;

    @Test
    void aPlansLimitsAreEnforcedAndATenantOverrideTakesEffectAtOnce() throws Exception {
        Services.requireRedis();
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, ProviderModeTest.providerEnv(ProviderModeTest.newKey()))) {
            app.registry()
                    .createPlan(new PlanChange(
                            "small",
                            Optional.of(
                                    "{\"TESELA_MAX_USERS\": 2, \"TESELA_MAX_ADMINS\": 1,"
                                            + " \"TESELA_MAX_FILES\": 2, \"TESELA_MAX_TAGS_PER_FILE\": 2, \"TESELA_MAX_TAGS\": 3, \"TESELA_MAX_UPLOAD_SIZE\": \"40K\"}"),
                            Optional.empty()));
            String id =
                    "lim" + dev.tesela.platform.security.Crypto.randomBase62(5).toLowerCase();
            app.registry().create(new CreateTenant(id, id + ".test", true, "small", null, Map.of()));
            TenantContext tenant = app.tenants().byId(id).orElseThrow();
            RequestContext system = app.systemContext(tenant);
            app.installs().install(system, new InstallCommand("admin", "admin@example.com", "correct horse battery"));

            // Users: the administrator is one of 2; a second admin is over the admin limit; a user fits; a third does
            // not.
            AppException admins =
                    assertThrows(AppException.class, () -> createUser(app, system, "boss", Principal.Role.ADMIN));
            assertEquals(ErrorCode.LIMIT_REACHED, admins.code());
            assertEquals("Maximum administrators reached (limit 1).", admins.publicMessage());
            createUser(app, system, "carol", Principal.Role.USER);
            AppException users =
                    assertThrows(AppException.class, () -> createUser(app, system, "dave", Principal.Role.USER));
            assertEquals("Maximum users reached (limit 2).", users.publicMessage());

            // Upload size: 40 KiB.
            AppException size =
                    assertThrows(AppException.class, () -> app.media().upload(system, upload(noise(60_000), null)));
            assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, size.code());

            // Tags per file: extra tags are dropped; new tags: at most 3 in all.
            var first = app.media().upload(system, upload(TestImages.png(40, 40, seed++), "a, b, c, d"));
            assertEquals(List.of("a", "b"), first.image().tags());
            AppException tags = assertThrows(
                    AppException.class,
                    () -> app.media().upload(system, upload(TestImages.png(41, 41, seed++), "x, y")));
            assertEquals("Maximum tags reached (limit 3).", tags.publicMessage());

            // Files: 2.
            app.media().upload(system, upload(TestImages.png(42, 42, seed++), null));
            AppException files = assertThrows(
                    AppException.class, () -> app.media().upload(system, upload(TestImages.png(43, 43, seed++), null)));
            assertEquals(ErrorCode.LIMIT_REACHED, files.code());
            assertEquals("Maximum files reached (limit 2).", files.publicMessage());

            // The tenant's own limits override the plan's from the next request: the edit replaced the tenant's
            // runtime.
            app.registry()
                    .edit(new EditTenant(
                            id,
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.of("{\"TESELA_MAX_FILES\": 3}"),
                            Optional.empty()));
            assertEquals(
                    3L,
                    app.tenants()
                            .byId(id)
                            .orElseThrow()
                            .limits()
                            .of(dev.tesela.platform.context.TenantLimits.Limit.FILES)
                            .getAsLong());
            Instant deadline = Instant.now().plus(Duration.ofSeconds(5));
            while (true) {
                try {
                    app.media()
                            .upload(
                                    app.systemContext(app.tenants().byId(id).orElseThrow()),
                                    upload(TestImages.png(44, 44, seed), null));
                    break;
                } catch (AppException e) {
                    if (e.code() != ErrorCode.LIMIT_REACHED || Instant.now().isAfter(deadline)) {
                        throw e;
                    }
                    Thread.onSpinWait();
                }
            }
        }
    }

    @Test
    void enforcedLimitsApplyToASingleSiteAndMinimumStoragesBlockUploads() {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2)
                .env("TESELA_TENANT_ENFORCED", "{\"limits\": {\"TESELA_MIN_STORAGES_ACTIVE\": 1}}")
                .installed()
                .start()) {
            App app = site.app();
            RequestContext system = site.system();
            AppException blocked = assertThrows(
                    AppException.class, () -> app.media().upload(system, upload(TestImages.png(30, 30, seed++), null)));
            assertEquals(ErrorCode.LIMIT_REACHED, blocked.code());
            assertTrue(blocked.publicMessage().contains("1 external storage"), blocked.publicMessage());
        }
    }

    private static void createUser(App app, RequestContext system, String name, Principal.Role role) {
        app.accounts().createUser(system, new CreateUser(name, name + "@example.com", "a long enough password", role));
    }

    private static UploadRequest upload(byte[] content, String tags) {
        return new UploadRequest(
                new UploadSource.FilePart(() -> new ByteArrayInputStream(content), "f.png", null),
                null,
                null,
                tags,
                null,
                null,
                null,
                null,
                null,
                true);
    }

    private static byte[] noise(int n) {
        byte[] b = new byte[n];
        new java.util.Random(n).nextBytes(b);
        return b;
    }
}
