package dev.tesela.account;

import dev.tesela.platform.context.TenantContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Port: server-side sign-in sessions. The client holds a random token; stores keep only a keyed hash of it, so a
 * leaked store does not leak usable tokens. Sessions expire after {@code idle} without use. Every method is
 * scoped to one tenant: a token from one tenant is unknown to every other. Implementations are thread-safe.
 */
public interface SessionStore {
    /** A signed-in session. {@code loginCookieId} is the "remember me" cookie it came from, or null. */
    record Session(long userId, Long loginCookieId, Instant createdAt) {}

    /** Stores a new session and returns the token to give the client. */
    String create(TenantContext tenant, Session session, Duration idle);

    /** The live session for {@code token}, extending its idle expiry; empty when unknown or expired. */
    Optional<Session> findAndTouch(TenantContext tenant, String token, Duration idle);

    void delete(TenantContext tenant, String token);

    /** Ends every session of a user (password reset). */
    void deleteAllForUser(TenantContext tenant, long userId);

    /** The stored key for {@code token}: HMAC with the tenant's session key. */
    static String storageKey(TenantContext tenant, String token) {
        return dev.tesela.platform.security.Crypto.hmacBase64(tenant.keys().sessions(), token);
    }

    static String newToken() {
        return dev.tesela.platform.security.Crypto.randomBase62(43);
    }
}
