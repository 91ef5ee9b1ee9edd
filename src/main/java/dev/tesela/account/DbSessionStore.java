package dev.tesela.account;

import static dev.tesela.platform.db.schema.tenant.Tables.SESSIONS;

import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.db.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sessions in the tenant's {@code sessions} table: the default when no Redis is configured. Expired rows are
 * ignored on read and removed by {@link #purgeExpired}. Reading a session extends its idle deadline, written at most
 * once a minute per session so that a busy user does not cost a write per request.
 */
public final class DbSessionStore implements SessionStore {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** How far the stored idle deadline may lag behind the true one (so sessions live up to this much longer). */
    private static final Duration TOUCH_RESOLUTION = Duration.ofMinutes(1);

    private final TenantDatabases databases;
    private final Clock clock;

    public DbSessionStore(TenantDatabases databases, Clock clock) {
        this.databases = databases;
        this.clock = clock;
    }

    @Override
    public String create(TenantContext tenant, Session session, Duration idle) {
        String token = SessionStore.newToken();
        Instant now = clock.instant();
        databases
                .of(tenant.placement())
                .insertInto(SESSIONS)
                .set(SESSIONS.ID, SessionStore.storageKey(tenant, token))
                .set(SESSIONS.USER_ID, session.userId())
                .set(
                        SESSIONS.DATA,
                        JSON.writeValueAsString(
                                session.loginCookieId() == null
                                        ? Map.of()
                                        : Map.of("login_cookie_id", session.loginCookieId())))
                .set(SESSIONS.CREATED_AT, Times.utc(session.createdAt()))
                .set(SESSIONS.LAST_SEEN_AT, Times.utc(now))
                .set(SESSIONS.EXPIRES_AT, Times.utc(now.plus(idle)))
                .execute();
        return token;
    }

    @Override
    public Optional<Session> findAndTouch(TenantContext tenant, String token, Duration idle) {
        String key = SessionStore.storageKey(tenant, token);
        Instant now = clock.instant();
        var dsl = databases.of(tenant.placement());
        var row = dsl.select(SESSIONS.USER_ID, SESSIONS.DATA, SESSIONS.CREATED_AT, SESSIONS.EXPIRES_AT)
                .from(SESSIONS)
                .where(SESSIONS.ID.eq(key))
                .and(SESSIONS.EXPIRES_AT.gt(Times.utc(now)))
                .fetchOne();
        if (row == null) {
            return Optional.empty();
        }
        Instant newExpiry = now.plus(idle);
        // Slide the idle deadline, but write at most once per TOUCH_RESOLUTION per session, not on every request.
        if (Duration.between(Times.instant(row.value4()), newExpiry).compareTo(TOUCH_RESOLUTION) > 0) {
            dsl.update(SESSIONS)
                    .set(SESSIONS.LAST_SEEN_AT, Times.utc(now))
                    .set(SESSIONS.EXPIRES_AT, Times.utc(newExpiry))
                    .where(SESSIONS.ID.eq(key))
                    .execute();
        }
        return Optional.of(new Session(row.value1(), loginCookieId(row.value2()), Times.instant(row.value3())));
    }

    @Override
    public void delete(TenantContext tenant, String token) {
        databases
                .of(tenant.placement())
                .deleteFrom(SESSIONS)
                .where(SESSIONS.ID.eq(SessionStore.storageKey(tenant, token)))
                .execute();
    }

    @Override
    public void deleteAllForUser(TenantContext tenant, long userId) {
        databases
                .of(tenant.placement())
                .deleteFrom(SESSIONS)
                .where(SESSIONS.USER_ID.eq(userId))
                .execute();
    }

    /** Removes expired rows; returns how many. */
    public int purgeExpired(TenantContext tenant) {
        return databases
                .of(tenant.placement())
                .deleteFrom(SESSIONS)
                .where(SESSIONS.EXPIRES_AT.le(Times.utc(clock.instant())))
                .execute();
    }

    private static Long loginCookieId(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        JsonNode id = JSON.readTree(json).path("login_cookie_id");
        return id.isNumber() ? id.asLong() : null;
    }
}
