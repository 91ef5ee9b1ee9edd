package dev.tesela;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The house rules of ARCHITECTURE.md §2–3 and §8, checked on the compiled main classes ({@link ArchitectureRules}):
 * the platform depends on no feature, only the web platform reads the Host header, tables and columns are named
 * through the classes generated from the migrations, no ThreadLocal, repositories are package-private and used only by their own feature, handlers use
 * neither repositories nor jOOQ, services take no DSLContext, and only App makes services. A failure names every
 * offending class, method or call. {@link PlantedViolations} shows each rule catching a violation planted under
 * {@code dev.tesela.architecture.planted} (test sources, which the real check does not import).
 */
class ArchitectureTest {
    private static final String ROOT = "dev.tesela";
    /** The main classes (test classes excluded). Immutable; imported once per test JVM. */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void importsTheWholeMainTree() {
        // Guards every rule below against passing vacuously on an empty or wrong import.
        assertTrue(MAIN.size() >= 150, "only " + MAIN.size() + " main classes imported");
        assertTrue(MAIN.contain("dev.tesela.platform.web.TenantEdge"), "TenantEdge not imported");
        assertTrue(MAIN.contain("dev.tesela.App"), "App not imported");
        assertFalse(MAIN.contain("dev.tesela.ArchitectureTest"), "test classes must not be checked as main classes");
        assertTrue(
                MAIN.stream()
                                .filter(c -> c.getSimpleName().endsWith("Repository"))
                                .count()
                        >= 2,
                "too few repositories");
    }

    @Test
    void platformDependsOnNoFeature() {
        ArchitectureRules.platformDependsOnNoFeature(ROOT).check(MAIN);
    }

    @Test
    void onlyTheWebPlatformReadsTheHostHeader() {
        ArchitectureRules.onlyTheWebPlatformReadsTheHostHeader(ROOT).check(MAIN);
        // The check is live: it sees the one legitimate reader.
        assertFalse(
                ArchitectureRules.hostHeaderReads(MAIN.get("dev.tesela.platform.web.TenantEdge"))
                        .isEmpty(),
                "the Host check no longer sees TenantEdge read the header");
    }

    @Test
    void tablesAndColumnsComeFromTheGeneratedSchema() {
        ArchitectureRules.tablesAndColumnsComeFromTheGeneratedSchema(ROOT).check(MAIN);
        // The check is live on the real classes: the generated ones, exempt under the product's root, name their tables
        // and columns by string, and are reported by the rule rooted below them (where nothing is exempt).
        assertFalse(
                ArchitectureRules.tablesAndColumnsComeFromTheGeneratedSchema(ROOT + ".platform.db.schema")
                        .evaluate(MAIN)
                        .getFailureReport()
                        .isEmpty(),
                "the rule no longer sees the generated classes' DSL.name calls");
    }

    @Test
    void noThreadLocal() {
        ArchitectureRules.noThreadLocal(ROOT).check(MAIN);
    }

    @Test
    void repositoriesAreNotPublic() {
        ArchitectureRules.repositoriesAreNotPublic(ROOT).check(MAIN);
    }

    @Test
    void featuresDoNotUseEachOthersRepositories() {
        ArchitectureRules.featuresDoNotUseEachOthersRepositories(ROOT).check(MAIN);
    }

    @Test
    void handlersUseNoRepositoryNorJooq() {
        ArchitectureRules.handlersUseNoRepositoryNorJooq(ROOT).check(MAIN);
    }

    @Test
    void servicesTakeNoDslContext() {
        ArchitectureRules.servicesTakeNoDslContext(ROOT).check(MAIN);
    }

    @Test
    void onlyAppMakesServices() {
        ArchitectureRules.onlyAppMakesServices(ROOT).check(MAIN);
    }

    /** Each rule reports the violations planted for it, and only those: the look-alikes next to them pass. */
    @Nested
    class PlantedViolations {
        private static final String PLANTED = "dev.tesela.architecture.planted";
        private static final JavaClasses CLASSES = new ClassFileImporter().importPackages(PLANTED);

        @Test
        void theWholePlantedTreeIsImported() {
            List<String> names = CLASSES.stream().map(JavaClass::getSimpleName).toList();
            assertTrue(
                    names.containsAll(List.of(
                            "App",
                            "PlantedEdge",
                            "CurrentTenant",
                            "BlobPort",
                            "AccountView",
                            "SneakyLookup",
                            "MediaRepository",
                            "TagRepository",
                            "MediaService",
                            "MediaRoutes",
                            "PlantedCommand",
                            "Pages")),
                    names.toString());
        }

        @Test
        void platformDependingOnAFeatureOrApp() {
            List<String> found = violations(ArchitectureRules.platformDependsOnNoFeature(PLANTED));
            assertFound(
                    found,
                    "PlantedEdge.feature(dev.tesela.architecture.planted.account.AccountView)",
                    "PlantedEdge.root()");
            assertNotFound(found, "BlobPort", "CurrentTenant");
        }

        @Test
        void hostHeaderReadOutsideTheWebPlatform() {
            List<String> found = violations(ArchitectureRules.onlyTheWebPlatformReadsTheHostHeader(PLANTED));
            assertEquals(1, found.size(), found.toString());
            assertFound(found, "MediaRoutes.tenant reads the Host header: io.javalin.http.Context.header(\"host\")");
        }

        @Test
        void tableOrColumnNamedByString() {
            List<String> found = violations(ArchitectureRules.tablesAndColumnsComeFromTheGeneratedSchema(PLANTED));
            assertFound(
                    found,
                    "DSL.name(java.lang.String)> in (MediaRoutes.java",
                    "DSL.table(org.jooq.Name)> in (MediaRoutes.java",
                    "DSL.field(java.lang.String, java.lang.Class)> in (MediaRoutes.java");
            assertEquals(3, found.size(), found.toString());
            assertNotFound(found, "schema.Pages", "MediaRoutes.plain");
        }

        @Test
        void threadLocal() {
            List<String> found = violations(ArchitectureRules.noThreadLocal(PLANTED));
            assertFound(found, "CurrentTenant");
            assertTrue(found.stream().allMatch(v -> v.contains("CurrentTenant")), found.toString());
        }

        @Test
        void publicRepository() {
            List<String> found = violations(ArchitectureRules.repositoriesAreNotPublic(PLANTED));
            assertEquals(1, found.size(), found.toString());
            assertFound(found, "media.MediaRepository");
        }

        @Test
        void anotherFeaturesRepository() {
            List<String> found = violations(ArchitectureRules.featuresDoNotUseEachOthersRepositories(PLANTED));
            assertFound(found, "SneakyLookup");
            assertTrue(
                    found.stream().allMatch(v -> v.contains("SneakyLookup")), "only the other feature's use: " + found);
        }

        @Test
        void handlerUsingARepositoryOrJooq() {
            List<String> found = violations(ArchitectureRules.handlersUseNoRepositoryNorJooq(PLANTED));
            assertFound(found, "MediaRoutes", "MediaRepository", "org.jooq.DSLContext");
            assertTrue(found.stream().allMatch(v -> v.contains("MediaRoutes")), found.toString());
            assertNotFound(found, "schema.Pages"); // a generated table class, not a handler
        }

        @Test
        void serviceMethodTakingADslContext() {
            List<String> found = violations(ArchitectureRules.servicesTakeNoDslContext(PLANTED));
            assertEquals(1, found.size(), found.toString());
            assertFound(found, "MediaService.count(java.lang.Object, org.jooq.DSLContext)");
        }

        @Test
        void serviceMadeOutsideApp() {
            List<String> found = violations(ArchitectureRules.onlyAppMakesServices(PLANTED));
            assertEquals(2, found.size(), found.toString());
            assertFound(found, "PlantedCommand.run()", "PlantedCommand.viaFactory()");
        }

        private static List<String> violations(ArchRule rule) {
            return rule.evaluate(CLASSES).getFailureReport().getDetails();
        }

        private static void assertFound(List<String> found, String... expected) {
            for (String e : expected) {
                assertTrue(
                        found.stream().anyMatch(v -> v.contains(e)),
                        "expected a violation mentioning " + e + " in " + found);
            }
        }

        private static void assertNotFound(List<String> found, String... unexpected) {
            for (String u : unexpected) {
                assertTrue(
                        found.stream().noneMatch(v -> v.contains(u)),
                        "no violation should mention " + u + ": " + found);
            }
        }
    }
}
