package dev.tesela.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.security.Crypto;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** What every {@link SessionStore} must do. Each adapter's test extends this and supplies a store. */
abstract class SessionStoreContract {
    static final Duration IDLE = Duration.ofMinutes(30);

    /** Two tenants; each adapter's test prepares its store for both. */
    final TenantContext a = tenant("a", "tsl_a_");

    final TenantContext b = tenant("b", "tsl_b_");

    /** A store ready to use for tenants {@link #a} and {@link #b}. */
    abstract SessionStore store();

    static TenantContext tenant(String id, String prefix) {
        return new TenantContext(
                id,
                dev.tesela.platform.db.TenantPlacement.shared(prefix),
                new TenantKeys(
                        Crypto.randomBytes(32), Crypto.randomBytes(32), Crypto.randomBytes(32), Crypto.randomBytes(32)),
                id + ".example");
    }

    @Test
    void createdSessionIsFoundWithItsFields() {
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String token = store().create(a, new SessionStore.Session(42, 7L, created), IDLE);
        var found = store().findAndTouch(a, token, IDLE).orElseThrow();
        assertEquals(42, found.userId());
        assertEquals(7L, found.loginCookieId());
        assertEquals(created, found.createdAt());
    }

    @Test
    void tokensAreRandomAndLong() {
        String first = store().create(a, new SessionStore.Session(1, null, Instant.now()), IDLE);
        String second = store().create(a, new SessionStore.Session(1, null, Instant.now()), IDLE);
        assertNotEquals(first, second);
        assertTrue(first.length() >= 40, "at least ~240 bits of entropy");
    }

    @Test
    void unknownAndForgedTokensFindNothing() {
        String token = store().create(a, new SessionStore.Session(1, null, Instant.now()), IDLE);
        assertTrue(store().findAndTouch(a, token + "x", IDLE).isEmpty());
        assertTrue(store().findAndTouch(a, "nope", IDLE).isEmpty());
    }

    @Test
    void aSessionOfOneTenantIsUnknownToAnother() {
        String token = store().create(a, new SessionStore.Session(5, null, Instant.now()), IDLE);
        assertTrue(store().findAndTouch(b, token, IDLE).isEmpty());
        assertTrue(store().findAndTouch(a, token, IDLE).isPresent());
    }

    @Test
    void deletedSessionIsGone() {
        String token = store().create(a, new SessionStore.Session(3, null, Instant.now()), IDLE);
        store().delete(a, token);
        assertTrue(store().findAndTouch(a, token, IDLE).isEmpty());
    }

    @Test
    void deleteAllForUserEndsOnlyThatUsersSessions() {
        String mine1 = store().create(a, new SessionStore.Session(10, null, Instant.now()), IDLE);
        String mine2 = store().create(a, new SessionStore.Session(10, null, Instant.now()), IDLE);
        String other = store().create(a, new SessionStore.Session(11, null, Instant.now()), IDLE);
        store().deleteAllForUser(a, 10);
        assertTrue(store().findAndTouch(a, mine1, IDLE).isEmpty());
        assertTrue(store().findAndTouch(a, mine2, IDLE).isEmpty());
        assertTrue(store().findAndTouch(a, other, IDLE).isPresent());
    }
}
