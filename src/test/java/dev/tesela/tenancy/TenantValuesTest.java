package dev.tesela.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.context.TenantLimits.Limit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The limits and env rules (the one place the registry checks them) and the defensive reading of stored limits. */
class TenantValuesTest {

    @ParameterizedTest
    @CsvSource({"'0', 0", "'10', 10", "'\"10\"', 10", "'2147483647', 2147483647"})
    void countsAreWholeNumbersFromZero(String json, long expected) {
        Map<String, String> errors = new LinkedHashMap<>();
        String canonical = TenantValues.limits("{\"TESELA_MAX_FILES\": " + json + "}", errors);
        assertEquals(Map.of(), errors);
        assertEquals(
                expected == 0 ? Map.of() : Map.of(Limit.FILES, expected),
                RegistryLimits.parse("t", canonical),
                "0 is no limit");
    }

    @ParameterizedTest
    @CsvSource({
        "'\"20M\"', 20971520",
        "'\"20 MB\"', 20971520",
        "'\"20mb\"', 20971520",
        "'\"512k\"', 524288",
        "'\"16G\"', 17179869184",
        "'1048576', 1048576",
        "'\"1048576\"', 1048576"
    })
    void uploadSizesTakeKMAndGSuffixes(String json, long bytes) {
        Map<String, String> errors = new LinkedHashMap<>();
        String canonical = TenantValues.limits("{\"TESELA_MAX_UPLOAD_SIZE\": " + json + "}", errors);
        assertEquals(Map.of(), errors);
        assertEquals(Map.of(Limit.UPLOAD_SIZE, bytes), RegistryLimits.parse("t", canonical));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "-5",
                "\"lots\"",
                "2.5",
                "true",
                "[1]",
                "{}",
                "2147483648",
                "99999999999999999999",
                "\"20M\"",
                "\"-1\"",
                "\"\""
            })
    void badCountsAreRefusedNamingTheKeyAndSkippedWhenFoundStored(String json) {
        Map<String, String> errors = new LinkedHashMap<>();
        assertNull(TenantValues.limits("{\"TESELA_MAX_FILES\": " + json + ", \"TESELA_MAX_USERS\": 3}", errors));
        assertEquals(java.util.Set.of("limits.TESELA_MAX_FILES"), errors.keySet(), json);
        assertTrue(
                errors.get("limits.TESELA_MAX_FILES").startsWith("TESELA_MAX_FILES must be a whole number"),
                errors.toString());
        assertEquals(
                Map.of(Limit.USERS, 3L),
                RegistryLimits.parse("t", "{\"TESELA_MAX_FILES\": " + json + ", \"TESELA_MAX_USERS\": 3}"),
                "a stored bad value is skipped, the good ones kept");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"17G\"", "\"99999999999G\"", "\"20 T\"", "\"M\"", "\"20 M B\"", "17179869185"})
    void badUploadSizesAreRefused(String json) {
        Map<String, String> errors = new LinkedHashMap<>();
        assertNull(TenantValues.limits("{\"TESELA_MAX_UPLOAD_SIZE\": " + json + "}", errors));
        assertTrue(errors.get("limits.TESELA_MAX_UPLOAD_SIZE").contains("16G"), errors.toString());
    }

    @Test
    void unknownKeysAndShapesAreRefusedAndNullRemovesAPlansValue() {
        Map<String, String> errors = new LinkedHashMap<>();
        assertNull(TenantValues.limits(
                "{\"users\": 1, \"TESELA_MAX_CACHE_TTL\": 60, \"TESELA_MAX_FILES\": null}", errors));
        assertEquals(java.util.Set.of("limits.users", "limits.TESELA_MAX_CACHE_TTL"), errors.keySet());
        assertTrue(errors.get("limits.users").contains("TESELA_MAX_USERS"), "the message lists the keys: " + errors);
        errors.clear();
        assertEquals("{\"TESELA_MAX_FILES\":null}", TenantValues.limits("{\"TESELA_MAX_FILES\": null}", errors));
        TenantValues.limits("[1]", errors);
        assertEquals(java.util.Set.of("limits"), errors.keySet());
        assertEquals(Map.of(), RegistryLimits.parse("t", "[1]"), "stored garbage reads as no limits");
        assertEquals(Map.of(), RegistryLimits.parse("t", "{not json"));
        assertEquals(
                "{\"TESELA_MAX_USERS\":2}",
                TenantEnvironment.mergeObjects("[1]", "{\"TESELA_MAX_USERS\": 2}", "{broken"),
                "merging skips stored values that are not objects");
    }

    @Test
    void aPlanWhoseStoredLimitsAreNotAnObjectIsStillShown() {
        for (String stored : new String[] {"{broken", "[1]", "7"}) {
            assertNull(
                    TenantJson.plan(new PlanRecord("old", stored, Map.of(), null, null))
                            .get("limits"),
                    stored);
        }
        assertEquals(
                "{\"TESELA_MAX_USERS\":2}",
                TenantJson.plan(new PlanRecord("ok", "{\"TESELA_MAX_USERS\":2}", Map.of(), null, null))
                        .get("limits")
                        .toString());
    }

    @Test
    void envKeysAreTheOnesTeselaReadsEachCheckedAsItsReaderWould() {
        Map<String, String> errors = new LinkedHashMap<>();
        TenantValues.env(
                Map.of(
                        "TESELA_SCHEDULER_INTERVAL",
                        "60",
                        "TESELA_DB_NAME",
                        "acme_db",
                        "TESELA_DB_SERVER",
                        "eu-2",
                        "TESELA_TENANTS_DB_ISOLATION_MODE",
                        "prefix"),
                errors);
        assertEquals(Map.of(), errors);
        TenantValues.env(
                Map.of(
                        "TESELA_SCHEDULER_INTERVAL",
                        "0",
                        "TESELA_DB_NAME",
                        "Bad-Name",
                        "TESELA_ENCRYPTION_KEY",
                        "c2hvcnQ=",
                        "TESELA_X",
                        "1",
                        "TESELA_MAX_FILES",
                        "3",
                        "TESELA_TENANTS_DB_ISOLATION_MODE",
                        "silo"),
                errors);
        assertEquals(
                java.util.Set.of(
                        "env.TESELA_SCHEDULER_INTERVAL",
                        "env.TESELA_DB_NAME",
                        "env.TESELA_ENCRYPTION_KEY",
                        "env.TESELA_X",
                        "env.TESELA_MAX_FILES",
                        "env.TESELA_TENANTS_DB_ISOLATION_MODE"),
                errors.keySet());
        assertTrue(
                errors.get("env.TESELA_X").contains("TESELA_SCHEDULER_INTERVAL"),
                "the message lists the keys: " + errors);
        assertTrue(errors.get("env.TESELA_MAX_FILES").contains("limits"), errors.toString());
    }
}
