package dev.tesela.account;

import static dev.tesela.platform.db.SchemaTables.tenantTable;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;

import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.db.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/**
 * Sessions in the tenant's {@code sessions} table: the default when no Redis is configured. Expired rows are
 * ignored on read and removed by {@link #purgeExpired}. Reading a session extends its idle deadline, written at most
 * once a minute per session so that a busy user does not cost a write per request.
 */
public final class DbSessionStore implements SessionStore {
    private static final Table<Record> SESSIONS = tenantTable("sessions");
    private static final Field<String> ID = field(name("id"), String.class);
    private static final Field<Long> USER_ID = field(name("user_id"), Long.class);
    private static final Field<String> DATA = field(name("data"), String.class);
    private static final Field<LocalDateTime> CREATED_AT = field(name("created_at"), LocalDateTime.class);
    private static final Field<LocalDateTime> LAST_SEEN_AT = field(name("last_seen_at"), LocalDateTime.class);
    private static final Field<LocalDateTime> EXPIRES_AT = field(name("expires_at"), LocalDateTime.class);

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
        databases.of(tenant.placement()).insertInto(SESSIONS)
                .set(ID, SessionStore.storageKey(tenant, token))
                .set(USER_ID, session.userId())
                .set(DATA, JSON.writeValueAsString(session.loginCookieId() == null
                        ? Map.of() : Map.of("login_cookie_id", session.loginCookieId())))
                .set(CREATED_AT, Times.utc(session.createdAt()))
                .set(LAST_SEEN_AT, Times.utc(now))
                .set(EXPIRES_AT, Times.utc(now.plus(idle)))
                .execute();
        return token;
    }

    @Override
    public Optional<Session> findAndTouch(TenantContext tenant, String token, Duration idle) {
        String key = SessionStore.storageKey(tenant, token);
        Instant now = clock.instant();
        var dsl = databases.of(tenant.placement());
        var row = dsl.select(USER_ID, DATA, CREATED_AT, EXPIRES_AT).from(SESSIONS)
                .where(ID.eq(key)).and(EXPIRES_AT.gt(Times.utc(now)))
                .fetchOne();
        if (row == null) {
            return Optional.empty();
        }
        Instant newExpiry = now.plus(idle);
        // Slide the idle deadline, but write at most once per TOUCH_RESOLUTION per session, not on every request.
        if (Duration.between(Times.instant(row.value4()), newExpiry).compareTo(TOUCH_RESOLUTION) > 0) {
            dsl.update(SESSIONS).set(LAST_SEEN_AT, Times.utc(now)).set(EXPIRES_AT, Times.utc(newExpiry))
                    .where(ID.eq(key)).execute();
        }
        return Optional.of(new Session(row.value1(), loginCookieId(row.value2()), Times.instant(row.value3())));
    }

    @Override
    public void delete(TenantContext tenant, String token) {
        databases.of(tenant.placement()).deleteFrom(SESSIONS).where(ID.eq(SessionStore.storageKey(tenant, token))).execute();
    }

    @Override
    public void deleteAllForUser(TenantContext tenant, long userId) {
        databases.of(tenant.placement()).deleteFrom(SESSIONS).where(USER_ID.eq(userId)).execute();
    }

    /** Removes expired rows; returns how many. */
    public int purgeExpired(TenantContext tenant) {
        return databases.of(tenant.placement()).deleteFrom(SESSIONS).where(EXPIRES_AT.le(Times.utc(clock.instant()))).execute();
    }

    private static Long loginCookieId(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        JsonNode id = JSON.readTree(json).path("login_cookie_id");
        return id.isNumber() ? id.asLong() : null;
    }
}
