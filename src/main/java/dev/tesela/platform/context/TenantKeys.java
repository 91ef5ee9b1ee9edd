package dev.tesela.platform.context;

/**
 * Per-tenant 32-byte keys, each derived for one purpose. Never logged, never shown.
 *
 * @param csrf      signs CSRF tokens
 * @param tokens    keys HMACs of login-cookie and API-key secrets stored server side
 * @param sessions  keys the hash under which session ids are stored
 */
public record TenantKeys(byte[] csrf, byte[] tokens, byte[] sessions) {
    @Override
    public String toString() {
        return "TenantKeys[redacted]";
    }
}
