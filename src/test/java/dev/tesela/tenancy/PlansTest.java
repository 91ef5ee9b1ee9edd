package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import dev.tesela.tenancy.TenantCommands.PlanChange;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Plans, and the precedence of effective values: plan < tenant < TESELA_TENANT_ENFORCED. */
class PlansTest {

    private static Map<String, String> env(String enforced) {
        Map<String, String> env = new HashMap<>(ProviderModeTest.providerEnv(ProviderModeTest.newKey()));
        if (enforced != null) {
            env.put("TESELA_TENANT_ENFORCED", enforced);
        }
        return env;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void effectiveValuesLayerPlanThenTenantThenEnforced(TestDatabase.Kind kind) throws Exception {
        Services.requireRedis();
        try (TestDatabase db = TestDatabase.create(kind);
                App app = TestApps.migratedApp(
                        db,
                        env(
                                "{\"limits\": {\"TESELA_MAX_ALBUMS\": 1}, \"env\": {\"TESELA_DB_SERVER\": \"enforced\"}}"))) {
            app.registry()
                    .createPlan(new PlanChange(
                            "pro",
                            Optional.of(
                                    "{\"TESELA_MAX_USERS\": 10, \"TESELA_MAX_ALBUMS\": 5, \"TESELA_MAX_FILES\": 1000}"),
                            Optional.of(Map.of(
                                    "TESELA_SCHEDULER_INTERVAL",
                                    "600",
                                    "TESELA_DB_NAME",
                                    "plan",
                                    "TESELA_DB_SERVER",
                                    "plan"))));
            app.registry()
                    .create(new CreateTenant(
                            "acme",
                            "acme.test",
                            true,
                            "pro",
                            "{\"TESELA_MAX_USERS\": 20, \"TESELA_MAX_FILES\": null}",
                            Map.of("TESELA_DB_NAME", "tenant")));

            TenantRecord acme = app.registry().get("acme");
            assertEquals(
                    "{\"TESELA_MAX_USERS\":20,\"TESELA_MAX_ALBUMS\":1}",
                    acme.effectiveLimitsJson(),
                    "tenant beats plan, enforced beats both, a null removes the plan's key");
            assertEquals(
                    Map.of(
                            "TESELA_SCHEDULER_INTERVAL",
                            "600",
                            "TESELA_DB_NAME",
                            "tenant",
                            "TESELA_DB_SERVER",
                            "enforced"),
                    acme.effectiveEnv());
            assertEquals(Map.of("TESELA_DB_NAME", "tenant"), acme.env(), "the tenant's own env is kept apart");

            // Changing the plan changes its tenants' effective values.
            app.registry()
                    .editPlan(new PlanChange(
                            "pro",
                            Optional.of("{\"TESELA_MAX_USERS\": 50, \"TESELA_MAX_STORAGES\": 2}"),
                            Optional.empty()));
            assertEquals(
                    "{\"TESELA_MAX_USERS\":20,\"TESELA_MAX_STORAGES\":2,\"TESELA_MAX_ALBUMS\":1}",
                    app.registry().get("acme").effectiveLimitsJson());
            assertEquals(
                    "600",
                    app.registry().getPlan("pro").env().get("TESELA_SCHEDULER_INTERVAL"),
                    "env kept when only limits change");

            // The plan's env is stored sealed.
            try (var c = db.connect();
                    var st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT env_enc FROM tsl__tenant_plans WHERE id = 'pro'")) {
                assertTrue(rs.next());
                assertFalse(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1).contains("plan"));
            }

            // Deleting the plan leaves the tenant running on its own values.
            app.registry().deletePlan("pro");
            TenantRecord orphan = app.registry().get("acme");
            assertNull(orphan.planId());
            assertEquals("{\"TESELA_MAX_USERS\":20,\"TESELA_MAX_ALBUMS\":1}", orphan.effectiveLimitsJson());
            assertEquals(Map.of("TESELA_DB_NAME", "tenant", "TESELA_DB_SERVER", "enforced"), orphan.effectiveEnv());
        }
    }

    @Test
    void planIdsAreValidatedAndUnique() {
        Services.requireRedis();
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                App app = TestApps.migratedApp(db, env(null))) {
            assertEquals(
                    ErrorCode.INVALID_INPUT,
                    assertThrows(
                                    AppException.class,
                                    () -> app.registry()
                                            .createPlan(new PlanChange("Bad!", Optional.empty(), Optional.empty())))
                            .code());
            assertEquals(
                    ErrorCode.INVALID_INPUT,
                    assertThrows(
                                    AppException.class,
                                    () -> app.registry()
                                            .createPlan(new PlanChange("free", Optional.of("[1]"), Optional.empty())))
                            .code());
            app.registry().createPlan(new PlanChange("free", Optional.empty(), Optional.empty()));
            assertEquals(
                    ErrorCode.CONFLICT,
                    assertThrows(
                                    AppException.class,
                                    () -> app.registry()
                                            .createPlan(new PlanChange("free", Optional.empty(), Optional.empty())))
                            .code());
            assertEquals(
                    ErrorCode.NOT_FOUND,
                    assertThrows(AppException.class, () -> app.registry().deletePlan("nope"))
                            .code());
            assertEquals(1, app.registry().listPlans().size());
            // A tenant cannot be put on a plan that does not exist.
            app.registry().create(new CreateTenant("t1", "t1.test", true, null, null, Map.of()));
            assertEquals(
                    ErrorCode.CONFLICT,
                    assertThrows(
                                    AppException.class,
                                    () -> app.registry()
                                            .edit(new EditTenant(
                                                    "t1",
                                                    Optional.empty(),
                                                    Optional.empty(),
                                                    Optional.of("nope"),
                                                    Optional.empty(),
                                                    Optional.empty())))
                            .code());
        }
    }

    @Test
    void planCommandsPrintJsonAndRefuseUnknownPlans() {
        Services.requireRedis();
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2)) {
            Map<String, String> env = TestApps.env(db, env(null));
            assertEquals(
                    0,
                    CliRun.run(
                                    env,
                                    "tenants",
                                    "plan:create",
                                    "--id",
                                    "pro",
                                    "--limits",
                                    "{\"TESELA_MAX_USERS\": 10}",
                                    "--env",
                                    "{\"TESELA_SCHEDULER_INTERVAL\": 60}")
                            .exitCode());
            var get = CliRun.run(env, "tenants", "plan:get", "--id", "pro");
            assertEquals(0, get.exitCode());
            assertTrue(
                    get.out().contains("\"TESELA_MAX_USERS\" : 10")
                            && get.out().contains("\"TESELA_SCHEDULER_INTERVAL\" : \"60\""),
                    get.out());
            var edit = CliRun.run(env, "tenants", "plan:edit", "--id", "pro", "--env", "null");
            assertTrue(edit.out().contains("\"env\" : null"), edit.out());
            assertTrue(CliRun.run(env, "tenants", "plan:list").out().contains("\"id\" : \"pro\""));
            assertEquals(
                    1, CliRun.run(env, "tenants", "plan:get", "--id", "nope").exitCode());
            assertEquals(
                    0, CliRun.run(env, "tenants", "plan:delete", "--id", "pro").exitCode());
            assertEquals("[ ]", CliRun.run(env, "tenants", "plan:list").out().strip());
        }
    }
}
