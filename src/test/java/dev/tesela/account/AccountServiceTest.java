package dev.tesela.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Accounts and authentication against each real database. */
class AccountServiceTest {
    private static final String PASSWORD = TestSite.ADMIN_PASSWORD;

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void signInWithUsernameOrEmailAndTheSessionAuthenticates(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).installed().start()) {
            var accounts = site.app().accounts();
            var byName = accounts.signIn(site.guest("10.0.0.1"), new SignIn("ADMIN", PASSWORD, false, "ua"));
            var byEmail =
                    accounts.signIn(site.guest("10.0.0.1"), new SignIn("Admin@Example.com", PASSWORD, false, "ua"));
            assertEquals("admin", byName.user().username());
            assertEquals(byName.user().id(), byEmail.user().id());
            assertTrue(byName.loginCookie().isEmpty());
            var principal = accounts.authenticateSession(
                            site.app().defaultTenant(), byName.sessionToken(), "10.0.0.1", "ua")
                    .orElseThrow();
            assertEquals(Principal.Role.ADMIN, principal.role());
            accounts.signOut(site.guest("10.0.0.1"), byName.sessionToken(), null);
            assertTrue(accounts.authenticateSession(site.app().defaultTenant(), byName.sessionToken(), "10.0.0.1", "ua")
                    .isEmpty());
            assertTrue(
                    accounts.authenticateSession(site.app().defaultTenant(), byEmail.sessionToken(), "10.0.0.1", "ua")
                            .isPresent(),
                    "signing out ends only that session");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void failedSignInsAreLimitedPerAddressPerDayAndSuccessClearsThem(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind)
                .env("TESELA_LOGIN_FAILURES_PER_DAY", "3")
                .installed()
                .start()) {
            var accounts = site.app().accounts();
            var attacker = site.guest("203.0.113.9");
            for (int i = 0; i < 2; i++) {
                var e = assertThrows(
                        AppException.class, () -> accounts.signIn(attacker, new SignIn("admin", "wrong", false, null)));
                assertEquals(ErrorCode.UNAUTHORIZED, e.code());
            }
            accounts.signIn(attacker, new SignIn("admin", PASSWORD, false, null));
            for (int i = 0; i < 3; i++) {
                assertThrows(
                        AppException.class,
                        () -> accounts.signIn(attacker, new SignIn("nobody", "wrong", false, null)));
            }
            var limited = assertThrows(
                    AppException.class, () -> accounts.signIn(attacker, new SignIn("admin", PASSWORD, false, null)));
            assertEquals(
                    ErrorCode.TOO_MANY_REQUESTS,
                    limited.code(),
                    "even the right password is refused once the limit is reached");
            var other = accounts.signIn(site.guest("198.51.100.7"), new SignIn("admin", PASSWORD, false, null));
            assertEquals("admin", other.user().username(), "other addresses are not affected");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void loginCookieResumesASessionRecordsLastSeenAndRejectsForgeries(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).installed().start()) {
            var accounts = site.app().accounts();
            var signedIn = accounts.signIn(site.guest("10.0.0.2"), new SignIn("admin", PASSWORD, true, "Browser/1"));
            String cookie = signedIn.loginCookie().orElseThrow();
            long cookieId = Long.parseLong(cookie.substring(0, cookie.indexOf('.')));
            var firstSeen =
                    accounts.loginCookieLastSeen(site.system(), cookieId).orElseThrow();

            var resumed = accounts.resumeFromLoginCookie(site.guest("10.0.0.3"), cookie, "Browser/2")
                    .orElseThrow();
            assertNotEquals(signedIn.sessionToken(), resumed.sessionToken());
            assertTrue(accounts.authenticateSession(
                            site.app().defaultTenant(), resumed.sessionToken(), "10.0.0.3", "Browser/2")
                    .isPresent());
            assertTrue(!accounts.loginCookieLastSeen(site.system(), cookieId)
                    .orElseThrow()
                    .isBefore(firstSeen));

            String forged = cookie.substring(0, cookie.length() - 1) + (cookie.endsWith("a") ? "b" : "a");
            assertTrue(accounts.resumeFromLoginCookie(site.guest("10.0.0.3"), forged, null)
                    .isEmpty());
            assertTrue(accounts.resumeFromLoginCookie(
                            site.guest("10.0.0.3"), "999999." + cookie.substring(cookie.indexOf('.') + 1), null)
                    .isEmpty());
            assertTrue(accounts.resumeFromLoginCookie(site.guest("10.0.0.3"), "garbage", null)
                    .isEmpty());

            accounts.signOut(site.guest("10.0.0.3"), resumed.sessionToken(), cookie);
            assertTrue(
                    accounts.resumeFromLoginCookie(site.guest("10.0.0.3"), cookie, null)
                            .isEmpty(),
                    "signing out forgets the cookie");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void apiKeysAuthenticateTheirOwnerAndForgedKeysFail(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).installed().start()) {
            var accounts = site.app().accounts();
            String key = accounts.createApiKey(site.system(), "admin", "test");
            assertTrue(key.startsWith("tsk_"));
            assertEquals(
                    "admin",
                    accounts.authenticateApiKey(site.app().defaultTenant(), key)
                            .orElseThrow()
                            .username());
            String forged = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
            assertTrue(accounts.authenticateApiKey(site.app().defaultTenant(), forged)
                    .isEmpty());
            assertTrue(accounts.authenticateApiKey(site.app().defaultTenant(), "tsk_short")
                    .isEmpty());
            var guest = site.guest("10.0.0.4");
            assertEquals(
                    ErrorCode.FORBIDDEN,
                    assertThrows(AppException.class, () -> accounts.createApiKey(guest, "admin", "x"))
                            .code());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void passwordResetReplacesThePasswordAndEndsEverySession(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).installed().start()) {
            var accounts = site.app().accounts();
            var before = accounts.signIn(site.guest("10.0.0.5"), new SignIn("admin", PASSWORD, true, null));
            var reset = accounts.resetPassword(site.system(), "Admin@Example.com", Optional.empty(), false);
            assertEquals("admin", reset.username(), "named by e-mail, answered with the username");
            String generated = reset.password();
            assertEquals(24, generated.length());
            assertTrue(accounts.authenticateSession(site.app().defaultTenant(), before.sessionToken(), "10.0.0.5", null)
                    .isEmpty());
            assertTrue(accounts.resumeFromLoginCookie(
                            site.guest("10.0.0.5"), before.loginCookie().orElseThrow(), null)
                    .isEmpty());
            assertThrows(
                    AppException.class,
                    () -> accounts.signIn(site.guest("10.0.0.5"), new SignIn("admin", PASSWORD, false, null)));
            assertEquals(
                    "admin",
                    accounts.signIn(site.guest("10.0.0.5"), new SignIn("admin", generated, false, null))
                            .user()
                            .username());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void createUserValidatesAndRefusesDuplicates(TestDatabase.Kind kind) {
        try (TestSite site = TestSite.on(kind).installed().start()) {
            var accounts = site.app().accounts();
            var invalid = assertThrows(
                    AppException.class,
                    () -> accounts.createUser(
                            site.system(), new CreateUser("no spaces!", "not-an-email", "short", Principal.Role.USER)));
            assertEquals(ErrorCode.INVALID_INPUT, invalid.code());
            assertEquals(
                    java.util.Set.of("username", "email", "password"),
                    invalid.fieldErrors().keySet());
            var duplicate = assertThrows(
                    AppException.class,
                    () -> accounts.createUser(
                            site.system(), new CreateUser("Admin", null, "long enough", Principal.Role.USER)));
            assertEquals(ErrorCode.CONFLICT, duplicate.code());
            var user = accounts.createUser(
                    site.system(),
                    new CreateUser("Second_User", "Two@Example.com", "long enough", Principal.Role.USER));
            assertEquals("second_user", user.username());
            assertEquals("two@example.com", user.email());
        }
    }
}
