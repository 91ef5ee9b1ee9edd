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

    /** A store whose tenants {@link #tenantA} and {@link #tenantB} are ready to use. */
    abstract SessionStore store();

    abstract TenantContext tenantA();

    abstract TenantContext tenantB();

    static TenantContext tenant(String id, String prefix) {
        return new TenantContext(id, prefix, new TenantKeys(Crypto.randomBytes(32), Crypto.randomBytes(32), Crypto.randomBytes(32)));
    }

    @Test
    void createdSessionIsFoundWithItsFields() {
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String token = store().create(tenantA(), new SessionStore.Session(42, 7L, created), IDLE);
        var found = store().findAndTouch(tenantA(), token, IDLE).orElseThrow();
        assertEquals(42, found.userId());
        assertEquals(7L, found.loginCookieId());
        assertEquals(created, found.createdAt());
    }

    @Test
    void tokensAreRandomAndLong() {
        String a = store().create(tenantA(), new SessionStore.Session(1, null, Instant.now()), IDLE);
        String b = store().create(tenantA(), new SessionStore.Session(1, null, Instant.now()), IDLE);
        assertNotEquals(a, b);
        assertTrue(a.length() >= 40, "at least ~240 bits of entropy");
    }

    @Test
    void unknownAndForgedTokensFindNothing() {
        String token = store().create(tenantA(), new SessionStore.Session(1, null, Instant.now()), IDLE);
        assertTrue(store().findAndTouch(tenantA(), token + "x", IDLE).isEmpty());
        assertTrue(store().findAndTouch(tenantA(), "nope", IDLE).isEmpty());
    }

    @Test
    void aSessionOfOneTenantIsUnknownToAnother() {
        String token = store().create(tenantA(), new SessionStore.Session(5, null, Instant.now()), IDLE);
        assertTrue(store().findAndTouch(tenantB(), token, IDLE).isEmpty());
        assertTrue(store().findAndTouch(tenantA(), token, IDLE).isPresent());
    }

    @Test
    void deletedSessionIsGone() {
        String token = store().create(tenantA(), new SessionStore.Session(3, null, Instant.now()), IDLE);
        store().delete(tenantA(), token);
        assertTrue(store().findAndTouch(tenantA(), token, IDLE).isEmpty());
    }

    @Test
    void deleteAllForUserEndsOnlyThatUsersSessions() {
        String mine1 = store().create(tenantA(), new SessionStore.Session(10, null, Instant.now()), IDLE);
        String mine2 = store().create(tenantA(), new SessionStore.Session(10, null, Instant.now()), IDLE);
        String other = store().create(tenantA(), new SessionStore.Session(11, null, Instant.now()), IDLE);
        store().deleteAllForUser(tenantA(), 10);
        assertTrue(store().findAndTouch(tenantA(), mine1, IDLE).isEmpty());
        assertTrue(store().findAndTouch(tenantA(), mine2, IDLE).isEmpty());
        assertTrue(store().findAndTouch(tenantA(), other, IDLE).isPresent());
    }
}
