package dev.tesela.tenancy;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.media.UploadRequest;
import dev.tesela.media.UploadSource;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.security.Crypto;
import dev.tesela.tenancy.JobsWorker.Outcome;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tenants' jobs worker: two instances passing at the same moment run each due tenant exactly once (one claims
 * it, the other finds it not due), expired uploads are purged, statistics are written for installed tenants and
 * absent for uninstalled ones; a forced pass runs again; nothing is due right after a run.
 */
class JobsWorkerTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void twoWorkersShareTheWorkWithoutDoingItTwice(TestDatabase.Kind kind) throws Exception {
        Services.requireRedis();
        String key = ProviderModeTest.newKey();
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(key));
        java.nio.file.Path dataDir = Files.createTempDirectory("tesela-jobs-");
        env.put("TESELA_DATA_DIR", dataDir.toString());
        try (TestDatabase db = TestDatabase.create(kind);
                App one = TestApps.migratedApp(db, env);
                App two = TestApps.migratedApp(db, env)) {
            String suffix = Crypto.randomBase62(6).toLowerCase();
            String installed = "j" + suffix;
            String bare = "k" + suffix;
            one.registry().create(new CreateTenant(installed, installed + ".test", true, null, null, Map.of()));
            one.registry().create(new CreateTenant(bare, bare + ".test", true, null, null, Map.of()));
            TenantContext tenant = one.tenants().byId(installed).orElseThrow();
            RequestContext system = one.systemContext(tenant);
            one.installs().install(system, new InstallCommand("admin", "admin@example.com", "correct horse battery"));
            one.media().upload(system, upload(TestImages.png(50, 50, 1), null));
            var expiring = one.media().upload(system, upload(TestImages.png(60, 60, 2), "PT5M"));
            tenant.db()
                    .dsl()
                    .update(table(name("images")))
                    .set(
                            field(name("expires_at"), LocalDateTime.class),
                            LocalDateTime.now(ZoneOffset.UTC).minusMinutes(1))
                    .where(field(name("id"), Long.class).eq(expiring.image().id()))
                    .execute();

            CyclicBarrier start = new CyclicBarrier(2);
            var a = CompletableFuture.supplyAsync(() -> pass(one, start));
            var b = CompletableFuture.supplyAsync(() -> pass(two, start));
            List<Map<String, Outcome>> passes = List.of(a.get(), b.get());
            for (String id : List.of(installed, bare)) {
                List<Outcome> seen = new ArrayList<>();
                passes.forEach(p -> seen.add(p.get(id)));
                assertEquals(
                        1, seen.stream().filter(o -> o != Outcome.NOT_DUE).count(), id + " ran exactly once: " + seen);
            }
            assertTrue(passes.stream().anyMatch(p -> p.get(installed) == Outcome.RAN));
            assertTrue(passes.stream().anyMatch(p -> p.get(bare) == Outcome.NOT_INSTALLED));

            assertEquals(1, tenant.db().dsl().fetchCount(table(name("images"))), "the expired upload was purged");
            Map<String, Long> stats = one.registry().stats(installed).orElseThrow();
            assertEquals(1L, stats.get("files"));
            assertEquals(1L, stats.get("users"));
            assertEquals(1L, stats.get("admins"));
            assertTrue(stats.get("storage_used") > 0, stats.toString());
            assertTrue(one.registry().stats(bare).isEmpty(), "no statistics for a site that is not installed");

            Map<String, Outcome> again = one.jobsWorker().runOnce(Optional.empty(), false);
            assertEquals(Outcome.NOT_DUE, again.get(installed), "not due right after a run");
            assertEquals(
                    Outcome.RAN,
                    one.jobsWorker().runOnce(Optional.of(installed), true).get(installed),
                    "forced");
        } finally {
            dev.tesela.testing.TestFiles.deleteTree(dataDir);
        }
    }

    @org.junit.jupiter.api.Test
    void theIntervalComesFromTheTenantsEffectiveEnv() {
        assertEquals(
                Duration.ofSeconds(30),
                JobsWorker.interval(record(Map.of(JobsWorker.INTERVAL_KEY, "30")), JobsWorker.DEFAULT_INTERVAL));
        assertEquals(JobsWorker.DEFAULT_INTERVAL, JobsWorker.interval(record(Map.of()), JobsWorker.DEFAULT_INTERVAL));
        assertEquals(
                JobsWorker.DEFAULT_INTERVAL,
                JobsWorker.interval(record(Map.of(JobsWorker.INTERVAL_KEY, "soon")), JobsWorker.DEFAULT_INTERVAL));
    }

    private static TenantRecord record(Map<String, String> env) {
        return new TenantRecord(
                "t",
                "t.test",
                null,
                null,
                env,
                true,
                null,
                null,
                null,
                null,
                env,
                dev.tesela.platform.db.TenantPlacement.shared("tsl_t_"));
    }

    private static Map<String, Outcome> pass(App app, CyclicBarrier start) {
        try {
            start.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return app.jobsWorker().runOnce(Optional.empty(), false);
    }

    private static UploadRequest upload(byte[] content, String expiration) {
        return new UploadRequest(
                new UploadSource.FilePart(() -> new ByteArrayInputStream(content), "f.png", null),
                null,
                null,
                null,
                null,
                null,
                null,
                expiration,
                null,
                true);
    }
}
