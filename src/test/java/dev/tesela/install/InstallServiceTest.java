package dev.tesela.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.impl.DSL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Installing a site is all or nothing, and happens once. */
class InstallServiceTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void installSeedsSettingsAndAdminAndRefusesASecondTime(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).start()) {
            App app = site.app();
            var rc = site.system();
            assertFalse(app.installs().isInstalled(rc));
            var admin = app.installs().install(rc, new InstallCommand("Owner", "owner@example.com", "a good password"));
            assertEquals("owner", admin.username());
            assertTrue(app.installs().isInstalled(rc));
            assertEquals(App.VERSION, app.installs().installedVersion(rc).orElseThrow());
            assertEquals("Tesela", app.settings().get(rc, "website_name"));
            var again = assertThrows(
                    AppException.class,
                    () -> app.installs()
                            .install(rc, new InstallCommand("other", "other@example.com", "a good password")));
            assertEquals(ErrorCode.ALREADY_INSTALLED, again.code());
            assertEquals(5, again.code().exitCode());
            assertEquals(1, count(site, "users"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void badInputLeavesNothingBehind(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).start()) {
            App app = site.app();
            var rc = site.system();
            var e = assertThrows(
                    AppException.class,
                    () -> app.installs().install(rc, new InstallCommand("x", "owner@example.com", "pw")));
            assertEquals(ErrorCode.INVALID_INPUT, e.code());
            var noEmail = assertThrows(
                    AppException.class,
                    () -> app.installs().install(rc, new InstallCommand("owner", "", "a good password")));
            assertEquals(ErrorCode.INVALID_INPUT, noEmail.code());
            assertFalse(app.installs().isInstalled(rc));
            assertEquals(0, count(site, "users"));
            assertEquals(0, count(site, "variables"));
            assertEquals(0, count(site, "settings"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void concurrentInstallsLetExactlyOneWin(TestDatabase.Kind kind) throws Exception {
        try (TestSite site = TestSite.on(kind).start()) {
            App app = site.app();
            var rc = site.system();
            int racers = 4;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            try (var pool = Executors.newFixedThreadPool(racers)) {
                for (int i = 0; i < racers; i++) {
                    String name = "admin" + i;
                    Callable<String> install = () -> {
                        start.await();
                        try {
                            app.installs()
                                    .install(rc, new InstallCommand(name, name + "@example.com", "a good password"));
                            return "won";
                        } catch (AppException e) {
                            return e.code().name();
                        }
                    };
                    results.add(pool.submit(install));
                }
                start.countDown();
                List<String> outcomes = new ArrayList<>();
                for (var f : results) {
                    outcomes.add(f.get());
                }
                assertEquals(1, outcomes.stream().filter("won"::equals).count(), outcomes.toString());
                assertTrue(
                        outcomes.stream().filter(o -> !o.equals("won")).allMatch("ALREADY_INSTALLED"::equals),
                        outcomes.toString());
            }
            assertEquals(1, count(site, "users"));
        }
    }

    private static int count(TestSite site, String table) {
        return site.dsl().fetchCount(DSL.table(DSL.name(table)));
    }
}
