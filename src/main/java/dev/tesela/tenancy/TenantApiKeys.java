package dev.tesela.tenancy;

import static dev.tesela.platform.db.schema.control.Tables.TENANT_API_KEYS;

import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.control.tables.records.TenantApiKeysRecord;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.security.Crypto;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * Keys of the Tenants API: {@code tsl_<row id>_<64 random>_<signature>}, the signature being hex HMAC-SHA256 of
 * {@code <row id>_<random>} under a key derived from the installation's master key. A key is valid when its shape and
 * signature are right (checked without touching the database), its row exists and has not expired, and the whole key
 * matches the stored keyed hash. The key is shown once, at creation; only the hash is stored.
 */
public final class TenantApiKeys {
    private static final Pattern SHAPE = Pattern.compile("^tsl_([1-9][0-9]{0,18})_([0-9A-Za-z]{64})_([0-9a-f]{64})$");
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9 ._-]{1,100}$");

    private final DSLContext control;
    private final byte[] signingKey;
    private final byte[] hashingKey;
    private final Clock clock;

    /** @param masterKey the installation's 32-byte master key; both keys of this class are derived from it */
    public TenantApiKeys(DSLContext control, byte[] masterKey, Clock clock) {
        this.control = control;
        this.signingKey = Crypto.hkdf(masterKey, "tesela tenants-api key signature", 32);
        this.hashingKey = Crypto.hkdf(masterKey, "tesela tenants-api key hash", 32);
        this.clock = clock;
    }

    /** A stored key, without its secret. */
    public record KeyInfo(long id, String name, Instant createdAt, Instant expiresAt) {}

    /** Creates a key and returns it in full: the only time it can be seen. */
    public String create(String keyName, Instant expiresAt) {
        if (keyName != null && !NAME.matcher(keyName).matches()) {
            throw AppException.invalid(
                    "name", "A key name is 1 to 100 letters, digits, spaces, dots, dashes or underscores.");
        }
        if (keyName != null && control.fetchExists(TENANT_API_KEYS, TENANT_API_KEYS.NAME.eq(keyName))) {
            throw new AppException(
                    dev.tesela.platform.error.ErrorCode.CONFLICT, "A key named '" + keyName + "' exists.");
        }
        if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
            throw AppException.invalid("expires", "The expiry must be in the future.");
        }
        return control.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            long id = t.insertInto(TENANT_API_KEYS)
                    .set(TENANT_API_KEYS.NAME, keyName)
                    .set(TENANT_API_KEYS.KEY_HASH, "")
                    .set(TENANT_API_KEYS.CREATED_AT, Times.utc(clock.instant()))
                    .set(TENANT_API_KEYS.EXPIRES_AT, expiresAt == null ? null : Times.utc(expiresAt))
                    .returningResult(TENANT_API_KEYS.ID)
                    .fetchOne(TENANT_API_KEYS.ID);
            String body = id + "_" + Crypto.randomBase62(64);
            String key = "tsl_" + body + "_" + sign(body);
            t.update(TENANT_API_KEYS)
                    .set(TENANT_API_KEYS.KEY_HASH, hash(key))
                    .where(TENANT_API_KEYS.ID.eq(id))
                    .execute();
            return key;
        });
    }

    /** The key's row when {@code key} is valid now; empty otherwise (never says why: callers answer "invalid"). */
    public Optional<KeyInfo> verify(String key) {
        if (key == null) {
            return Optional.empty();
        }
        var m = SHAPE.matcher(key);
        if (!m.matches() || !Crypto.constantTimeEquals(sign(m.group(1) + "_" + m.group(2)), m.group(3))) {
            return Optional.empty();
        }
        long id = Long.parseLong(m.group(1));
        return control.selectFrom(TENANT_API_KEYS)
                .where(TENANT_API_KEYS.ID.eq(id))
                .fetchOptional()
                .filter(r -> Crypto.constantTimeEquals(r.getKeyHash(), hash(key)))
                .map(TenantApiKeys::info)
                .filter(k -> k.expiresAt() == null || k.expiresAt().isAfter(clock.instant()));
    }

    /** Deletes the keys matching {@code id} and/or {@code name} (at least one given); returns how many. */
    public int delete(Long id, String keyName) {
        if (id == null && keyName == null) {
            throw AppException.invalid("id", "Give the key's id or name.");
        }
        org.jooq.Condition condition = org.jooq.impl.DSL.trueCondition();
        if (id != null) {
            condition = condition.and(TENANT_API_KEYS.ID.eq(id));
        }
        if (keyName != null) {
            condition = condition.and(TENANT_API_KEYS.NAME.eq(keyName));
        }
        return control.deleteFrom(TENANT_API_KEYS).where(condition).execute();
    }

    public List<KeyInfo> list() {
        return control.selectFrom(TENANT_API_KEYS).orderBy(TENANT_API_KEYS.ID).fetch(TenantApiKeys::info);
    }

    private static KeyInfo info(TenantApiKeysRecord r) {
        LocalDateTime expires = r.getExpiresAt();
        return new KeyInfo(
                r.getId(),
                r.getName(),
                Times.instant(r.getCreatedAt()),
                expires == null ? null : Times.instant(expires));
    }

    private String sign(String body) {
        return HexFormat.of().formatHex(Crypto.hmacSha256(signingKey, body.getBytes(StandardCharsets.UTF_8)));
    }

    private String hash(String key) {
        return HexFormat.of().formatHex(Crypto.hmacSha256(hashingKey, key.getBytes(StandardCharsets.UTF_8)));
    }

    /** For tests and tooling: the JSON shape of a key's row. */
    public static Map<String, Object> json(KeyInfo k) {
        var out = new java.util.LinkedHashMap<String, Object>();
        out.put("id", k.id());
        out.put("name", k.name());
        out.put("created_at", k.createdAt().toString());
        out.put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString());
        return out;
    }
}
