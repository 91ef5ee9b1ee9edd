package dev.tesela.account;

import static dev.tesela.platform.db.SchemaTables.tenantTable;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;

import dev.tesela.platform.context.Principal.Role;
import dev.tesela.platform.db.Times;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/** Rows of users, login_passwords, login_cookies, api_keys and requests. Package-private: use AccountService. */
final class AccountRepository {
    static final Table<Record> USERS = tenantTable("users");
    static final Field<Long> USER_ID = field(name("id"), Long.class);
    static final Field<String> USERNAME = field(name("username"), String.class);
    static final Field<String> EMAIL = field(name("email"), String.class);
    static final Field<String> DISPLAY_NAME = field(name("display_name"), String.class);
    static final Field<String> ROLE = field(name("role"), String.class);
    static final Field<String> STATUS = field(name("status"), String.class);
    static final Field<LocalDateTime> CREATED_AT = field(name("created_at"), LocalDateTime.class);
    static final Field<String> REGISTRATION_IP = field(name("registration_ip"), String.class);
    static final Field<LocalDateTime> LAST_SEEN_AT = field(name("last_seen_at"), LocalDateTime.class);

    static final Table<Record> PASSWORDS = tenantTable("login_passwords");
    static final Field<Long> PW_USER_ID = field(name("user_id"), Long.class);
    static final Field<String> PW_HASH = field(name("hash"), String.class);
    static final Field<LocalDateTime> PW_UPDATED_AT = field(name("updated_at"), LocalDateTime.class);

    static final Table<Record> COOKIES = tenantTable("login_cookies");
    static final Field<Long> COOKIE_ID = field(name("id"), Long.class);
    static final Field<Long> COOKIE_USER_ID = field(name("user_id"), Long.class);
    static final Field<String> COOKIE_TOKEN_HASH = field(name("token_hash"), String.class);
    static final Field<LocalDateTime> COOKIE_CREATED_AT = field(name("created_at"), LocalDateTime.class);
    static final Field<LocalDateTime> COOKIE_LAST_SEEN_AT = field(name("last_seen_at"), LocalDateTime.class);
    static final Field<LocalDateTime> COOKIE_EXPIRES_AT = field(name("expires_at"), LocalDateTime.class);
    static final Field<String> COOKIE_IP = field(name("ip"), String.class);
    static final Field<String> COOKIE_USER_AGENT = field(name("user_agent"), String.class);

    static final Table<Record> API_KEYS = tenantTable("api_keys");
    static final Field<Long> KEY_ID = field(name("id"), Long.class);
    static final Field<Long> KEY_USER_ID = field(name("user_id"), Long.class);
    static final Field<String> KEY_NAME = field(name("name"), String.class);
    static final Field<String> KEY_HASH = field(name("key_hash"), String.class);
    static final Field<String> KEY_PREFIX = field(name("key_prefix"), String.class);
    static final Field<LocalDateTime> KEY_CREATED_AT = field(name("created_at"), LocalDateTime.class);
    static final Field<LocalDateTime> KEY_LAST_USED_AT = field(name("last_used_at"), LocalDateTime.class);

    static final Table<Record> REQUESTS = tenantTable("requests");
    static final Field<String> REQ_KIND = field(name("kind"), String.class);
    static final Field<String> REQ_RESULT = field(name("result"), String.class);
    static final Field<String> REQ_IP = field(name("ip"), String.class);
    static final Field<Long> REQ_USER_ID = field(name("user_id"), Long.class);
    static final Field<LocalDateTime> REQ_CREATED_AT = field(name("created_at"), LocalDateTime.class);

    /** A stored "remember me" cookie. */
    record LoginCookieRow(long id, long userId, String tokenHash, Instant expiresAt) {}

    long insertUser(DSLContext dsl, String username, String email, Role role, String ip, Instant now) {
        return dsl.insertInto(USERS)
                .set(USERNAME, username)
                .set(EMAIL, email)
                .set(DISPLAY_NAME, username)
                .set(ROLE, role.key())
                .set(STATUS, "valid")
                .set(CREATED_AT, Times.utc(now))
                .set(REGISTRATION_IP, ip)
                .returningResult(USER_ID)
                .fetchOne(USER_ID);
    }

    /** Users with {@code role}, or all users when it is null. */
    long countUsers(DSLContext dsl, Role role) {
        return dsl.fetchCount(USERS, role == null ? org.jooq.impl.DSL.trueCondition() : ROLE.eq(role.key()));
    }

    boolean usernameOrEmailTaken(DSLContext dsl, String username, String email) {
        var condition = USERNAME.eq(username);
        if (email != null) {
            condition = condition.or(EMAIL.eq(email));
        }
        return dsl.fetchExists(USERS, condition);
    }

    Optional<UserView> findUserByLogin(DSLContext dsl, String usernameOrEmail) {
        return dsl.select(USER_ID, USERNAME, EMAIL, DISPLAY_NAME, ROLE, STATUS, CREATED_AT).from(USERS)
                .where(USERNAME.eq(usernameOrEmail).or(EMAIL.eq(usernameOrEmail)))
                .fetchOptional(r -> toView(r));
    }

    Optional<UserView> findUserById(DSLContext dsl, long id) {
        return dsl.select(USER_ID, USERNAME, EMAIL, DISPLAY_NAME, ROLE, STATUS, CREATED_AT).from(USERS)
                .where(USER_ID.eq(id))
                .fetchOptional(r -> toView(r));
    }

    void touchUser(DSLContext dsl, long userId, Instant now) {
        dsl.update(USERS).set(LAST_SEEN_AT, Times.utc(now)).where(USER_ID.eq(userId)).execute();
    }

    Optional<String> passwordHash(DSLContext dsl, long userId) {
        return dsl.select(PW_HASH).from(PASSWORDS).where(PW_USER_ID.eq(userId)).fetchOptional(PW_HASH);
    }

    void putPasswordHash(DSLContext dsl, long userId, String hash, Instant now) {
        int updated = dsl.update(PASSWORDS).set(PW_HASH, hash).set(PW_UPDATED_AT, Times.utc(now))
                .where(PW_USER_ID.eq(userId)).execute();
        if (updated == 0) {
            dsl.insertInto(PASSWORDS).set(PW_USER_ID, userId).set(PW_HASH, hash).set(PW_UPDATED_AT, Times.utc(now)).execute();
        }
    }

    long insertLoginCookie(DSLContext dsl, long userId, String tokenHash, String ip, String userAgent, Instant now, Instant expires) {
        return dsl.insertInto(COOKIES)
                .set(COOKIE_USER_ID, userId)
                .set(COOKIE_TOKEN_HASH, tokenHash)
                .set(COOKIE_CREATED_AT, Times.utc(now))
                .set(COOKIE_LAST_SEEN_AT, Times.utc(now))
                .set(COOKIE_EXPIRES_AT, Times.utc(expires))
                .set(COOKIE_IP, ip)
                .set(COOKIE_USER_AGENT, userAgent)
                .returningResult(COOKIE_ID)
                .fetchOne(COOKIE_ID);
    }

    Optional<LoginCookieRow> findLoginCookie(DSLContext dsl, long id) {
        return dsl.select(COOKIE_ID, COOKIE_USER_ID, COOKIE_TOKEN_HASH, COOKIE_EXPIRES_AT).from(COOKIES)
                .where(COOKIE_ID.eq(id))
                .fetchOptional(r -> new LoginCookieRow(r.value1(), r.value2(), r.value3(), Times.instant(r.value4())));
    }

    /** Records the cookie's last use: when and from where. */
    void touchLoginCookie(DSLContext dsl, long id, String ip, String userAgent, Instant now) {
        dsl.update(COOKIES).set(COOKIE_LAST_SEEN_AT, Times.utc(now)).set(COOKIE_IP, ip).set(COOKIE_USER_AGENT, userAgent)
                .where(COOKIE_ID.eq(id)).execute();
    }

    Optional<Instant> loginCookieLastSeen(DSLContext dsl, long id) {
        return dsl.select(COOKIE_LAST_SEEN_AT).from(COOKIES).where(COOKIE_ID.eq(id))
                .fetchOptional(r -> Times.instant(r.value1()));
    }

    void deleteLoginCookie(DSLContext dsl, long id) {
        dsl.deleteFrom(COOKIES).where(COOKIE_ID.eq(id)).execute();
    }

    void deleteLoginCookiesOfUser(DSLContext dsl, long userId) {
        dsl.deleteFrom(COOKIES).where(COOKIE_USER_ID.eq(userId)).execute();
    }

    void insertApiKey(DSLContext dsl, long userId, String name, String prefix, String hash, Instant now) {
        dsl.insertInto(API_KEYS)
                .set(KEY_USER_ID, userId)
                .set(KEY_NAME, name)
                .set(KEY_PREFIX, prefix)
                .set(KEY_HASH, hash)
                .set(KEY_CREATED_AT, Times.utc(now))
                .execute();
    }

    /** An API key with the user it belongs to. */
    record ApiKeyUser(long keyId, String keyHash, UserView user) {}

    /** The API key with {@code prefix} and its user, in one query; empty when there is no such key. */
    Optional<ApiKeyUser> findApiKeyWithUser(DSLContext dsl, String prefix) {
        Table<Record> k = API_KEYS.as("k");
        Table<Record> u = USERS.as("u");
        return dsl.select(field(name("k", KEY_ID.getName()), Long.class), field(name("k", KEY_HASH.getName()), String.class),
                        field(name("u", USER_ID.getName()), Long.class), field(name("u", USERNAME.getName()), String.class),
                        field(name("u", EMAIL.getName()), String.class), field(name("u", DISPLAY_NAME.getName()), String.class),
                        field(name("u", ROLE.getName()), String.class), field(name("u", STATUS.getName()), String.class),
                        field(name("u", CREATED_AT.getName()), LocalDateTime.class))
                .from(k).join(u).on(field(name("u", USER_ID.getName()), Long.class).eq(field(name("k", KEY_USER_ID.getName()), Long.class)))
                .where(field(name("k", KEY_PREFIX.getName()), String.class).eq(prefix))
                .fetchOptional(r -> new ApiKeyUser(r.value1(), r.value2(), new UserView(r.value3(), r.value4(), r.value5(),
                        r.value6(), Role.byKey(r.value7()), r.value8(), Times.instant(r.value9()))));
    }

    /** Deletes every API key of {@code userId}; returns how many there were. */
    int deleteApiKeysOfUser(DSLContext dsl, long userId) {
        return dsl.deleteFrom(API_KEYS).where(KEY_USER_ID.eq(userId)).execute();
    }

    void touchApiKey(DSLContext dsl, long id, Instant now) {
        dsl.update(API_KEYS).set(KEY_LAST_USED_AT, Times.utc(now)).where(KEY_ID.eq(id)).execute();
    }

    void recordRequest(DSLContext dsl, String kind, boolean success, String ip, Long userId, Instant now) {
        dsl.insertInto(REQUESTS)
                .set(REQ_KIND, kind)
                .set(REQ_RESULT, success ? "success" : "fail")
                .set(REQ_IP, ip)
                .set(REQ_USER_ID, userId)
                .set(REQ_CREATED_AT, Times.utc(now))
                .execute();
    }

    int countFailures(DSLContext dsl, String kind, String ip, Instant since) {
        return dsl.fetchCount(REQUESTS, REQ_KIND.eq(kind).and(REQ_RESULT.eq("fail")).and(REQ_IP.eq(ip))
                .and(REQ_CREATED_AT.gt(Times.utc(since))));
    }

    void clearFailures(DSLContext dsl, String kind, String ip) {
        dsl.deleteFrom(REQUESTS).where(REQ_KIND.eq(kind).and(REQ_RESULT.eq("fail")).and(REQ_IP.eq(ip))).execute();
    }

    private static UserView toView(org.jooq.Record7<Long, String, String, String, String, String, LocalDateTime> r) {
        return new UserView(r.value1(), r.value2(), r.value3(), r.value4(), Role.byKey(r.value5()), r.value6(),
                Times.instant(r.value7()));
    }
}
