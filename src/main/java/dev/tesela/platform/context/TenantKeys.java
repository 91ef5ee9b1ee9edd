package dev.tesela.platform.context;

/**
 * Per-tenant 32-byte keys, each derived for one purpose. Never logged, never shown.
 *
 * @param csrf      signs CSRF tokens
 * @param tokens    keys HMACs of login-cookie and API-key secrets stored server side
 * @param sessions  keys the hash under which session ids are stored
 * @param secrets   encrypts the site's secrets at rest (storage credentials), with {@code SecretBox}
 */
public record TenantKeys(byte[] csrf, byte[] tokens, byte[] sessions, byte[] secrets) {
    @Override
    public String toString() {
        return "TenantKeys[redacted]";
    }
}
