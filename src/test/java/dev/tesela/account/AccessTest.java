package dev.tesela.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.account.Access.Action;
import dev.tesela.account.Access.Resource;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import org.junit.jupiter.api.Test;

/** The access rules, case by case: every principal against every action it can be asked about. */
class AccessTest {
    private static final TenantContext TENANT = new TenantContext("t", null, null, "example.test");
    private static final RequestContext GUEST = new RequestContext(TENANT, Principal.GUEST, "r", "203.0.113.1");
    private static final RequestContext SYSTEM = RequestContext.system(TENANT, "r");
    private static final RequestContext ALICE = as(new Principal.User(7, "alice", Principal.Role.USER, null));
    private static final RequestContext BOB = as(new Principal.User(8, "bob", Principal.Role.USER, null));
    private static final RequestContext MANAGER = as(new Principal.User(9, "mod", Principal.Role.MANAGER, null));
    private static final RequestContext ADMIN = as(new Principal.User(1, "admin", Principal.Role.ADMIN, null));

    private static final Resource OPEN = new Resource.Uploads(true, true, true);
    private static final Resource USERS_ONLY = new Resource.Uploads(true, false, false);
    private static final Resource CLOSED = new Resource.Uploads(false, true, true);

    @Test
    void uploadsFollowTheSiteSwitchesExceptForAdministratorsAndTheSystem() {
        assertTrue(Access.allows(GUEST, Action.UPLOAD, OPEN));
        assertFalse(Access.allows(GUEST, Action.UPLOAD, USERS_ONLY));
        assertFalse(Access.allows(GUEST, Action.UPLOAD, CLOSED), "guest uploads need uploads on");
        assertTrue(Access.allows(ALICE, Action.UPLOAD, USERS_ONLY));
        assertFalse(Access.allows(ALICE, Action.UPLOAD, CLOSED));
        assertFalse(Access.allows(MANAGER, Action.UPLOAD, CLOSED));
        assertTrue(Access.allows(ADMIN, Action.UPLOAD, CLOSED));
        assertTrue(Access.allows(SYSTEM, Action.UPLOAD, CLOSED));

        AppException guest = assertThrows(AppException.class, () -> Access.require(GUEST, Action.UPLOAD, USERS_ONLY));
        assertEquals(ErrorCode.UNAUTHORIZED, guest.code(), "signing in may help a guest");
        assertEquals("Sign in to upload images.", guest.publicMessage());
        AppException user = assertThrows(AppException.class, () -> Access.require(ALICE, Action.UPLOAD, CLOSED));
        assertEquals(ErrorCode.FORBIDDEN, user.code());
        assertEquals("Uploads are disabled on this site.", user.publicMessage());
    }

    @Test
    void urlsAreFetchedForAnyoneWhenTheSiteAllowsItElseForAdministrators() {
        for (RequestContext rc : new RequestContext[] {GUEST, ALICE, MANAGER}) {
            assertTrue(Access.allows(rc, Action.UPLOAD_FROM_URL, OPEN));
            assertFalse(
                    Access.allows(rc, Action.UPLOAD_FROM_URL, USERS_ONLY),
                    rc.principal().toString());
        }
        assertTrue(Access.allows(ADMIN, Action.UPLOAD_FROM_URL, USERS_ONLY));
        assertTrue(Access.allows(SYSTEM, Action.UPLOAD_FROM_URL, USERS_ONLY));
        assertEquals(
                ErrorCode.FORBIDDEN,
                assertThrows(AppException.class, () -> Access.require(ALICE, Action.UPLOAD_FROM_URL, USERS_ONLY))
                        .code());
    }

    @Test
    void onlyAdministratorsAndTheSystemPassTheDuplicateRule() {
        assertFalse(Access.allows(GUEST, Action.UPLOAD_DUPLICATE, OPEN));
        assertFalse(Access.allows(ALICE, Action.UPLOAD_DUPLICATE, OPEN));
        assertFalse(Access.allows(MANAGER, Action.UPLOAD_DUPLICATE, OPEN));
        assertTrue(Access.allows(ADMIN, Action.UPLOAD_DUPLICATE, OPEN));
        assertTrue(Access.allows(SYSTEM, Action.UPLOAD_DUPLICATE, OPEN));
    }

    @Test
    void albumsTakeImagesFromTheirOwnerOnly() {
        Resource alices = new Resource.Album(7);
        assertTrue(Access.allows(ALICE, Action.ADD_TO_ALBUM, alices));
        for (RequestContext rc : new RequestContext[] {GUEST, BOB, MANAGER, ADMIN, SYSTEM}) {
            assertFalse(
                    Access.allows(rc, Action.ADD_TO_ALBUM, alices),
                    rc.principal().toString());
        }
    }

    @Test
    void imagesAreDeletedByTheirOwnerModeratorsAndTheSystem() {
        Resource alices = new Resource.Image(7L);
        Resource guests = new Resource.Image(null);
        assertTrue(Access.allows(ALICE, Action.DELETE_IMAGE, alices));
        assertFalse(Access.allows(BOB, Action.DELETE_IMAGE, alices));
        assertFalse(Access.allows(ALICE, Action.DELETE_IMAGE, guests), "a guest's upload belongs to nobody");
        assertFalse(Access.allows(GUEST, Action.DELETE_IMAGE, guests), "guests delete with the delete link only");
        for (RequestContext rc : new RequestContext[] {MANAGER, ADMIN, SYSTEM}) {
            assertTrue(
                    Access.allows(rc, Action.DELETE_IMAGE, alices),
                    rc.principal().toString());
            assertTrue(
                    Access.allows(rc, Action.DELETE_IMAGE, guests),
                    rc.principal().toString());
        }
        AppException bob = assertThrows(AppException.class, () -> Access.require(BOB, Action.DELETE_IMAGE, alices));
        assertEquals(ErrorCode.FORBIDDEN, bob.code());
        assertEquals("Only the uploader or a moderator can delete this image.", bob.publicMessage());
    }

    @Test
    void accountsAndSettingsAreAdministeredByAdministratorsAndTheSystem() {
        for (Action action :
                new Action[] {Action.CREATE_USER, Action.CREATE_API_KEY, Action.RESET_PASSWORD, Action.CHANGE_SETTINGS
                }) {
            assertTrue(Access.allows(ADMIN, action, Resource.SITE), action.name());
            assertTrue(Access.allows(SYSTEM, action, Resource.SITE), action.name());
            for (RequestContext rc : new RequestContext[] {GUEST, ALICE, MANAGER}) {
                AppException e = assertThrows(AppException.class, () -> Access.require(rc, action, Resource.SITE));
                assertEquals(ErrorCode.FORBIDDEN, e.code(), action + " by " + rc.principal());
                assertTrue(e.publicMessage().startsWith("Only administrators can "), e.publicMessage());
            }
        }
    }

    @Test
    void anActionAskedOfTheWrongKindOfResourceIsABug() {
        assertThrows(IllegalArgumentException.class, () -> Access.allows(ADMIN, Action.DELETE_IMAGE, OPEN));
        assertThrows(
                IllegalArgumentException.class, () -> Access.allows(SYSTEM, Action.UPLOAD, new Resource.Image(1L)));
        assertThrows(
                IllegalArgumentException.class,
                () -> Access.allows(ADMIN, Action.CHANGE_SETTINGS, new Resource.Album(1)));
    }

    private static RequestContext as(Principal principal) {
        return GUEST.withPrincipal(principal);
    }
}
