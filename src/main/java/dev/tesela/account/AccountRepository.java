package dev.tesela.account;

import static dev.tesela.platform.db.schema.tenant.Tables.API_KEYS;
import static dev.tesela.platform.db.schema.tenant.Tables.LOGIN_COOKIES;
import static dev.tesela.platform.db.schema.tenant.Tables.LOGIN_PASSWORDS;
import static dev.tesela.platform.db.schema.tenant.Tables.REQUESTS;
import static dev.tesela.platform.db.schema.tenant.Tables.USERS;

import dev.tesela.platform.context.Principal.Role;
import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.tenant.tables.ApiKeys;
import dev.tesela.platform.db.schema.tenant.tables.Users;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Optional;
import org.jooq.DSLContext;

/** Rows of users, login_passwords, login_cookies, api_keys and requests. Package-private: use AccountService. */
final class AccountRepository {
    /** A stored "remember me" cookie. */
    record LoginCookieRow(long id, long userId, String tokenHash, Instant expiresAt) {}

    long insertUser(DSLContext dsl, String username, String email, Role role, String ip, Instant now) {
        return dsl.insertInto(USERS)
                .set(USERS.USERNAME, username)
                .set(USERS.EMAIL, email)
                .set(USERS.DISPLAY_NAME, username)
                .set(USERS.ROLE, role.key())
                .set(USERS.STATUS, "valid")
                .set(USERS.CREATED_AT, Times.utc(now))
                .set(USERS.REGISTRATION_IP, ip)
                .returningResult(USERS.ID)
                .fetchOne(USERS.ID);
    }

    /** Users with {@code role}, or all users when it is null. */
    long countUsers(DSLContext dsl, Role role) {
        return dsl.fetchCount(USERS, role == null ? org.jooq.impl.DSL.trueCondition() : USERS.ROLE.eq(role.key()));
    }

    boolean usernameOrEmailTaken(DSLContext dsl, String username, String email) {
        var condition = USERS.USERNAME.eq(username);
        if (email != null) {
            condition = condition.or(USERS.EMAIL.eq(email));
        }
        return dsl.fetchExists(USERS, condition);
    }

    Optional<UserView> findUserByLogin(DSLContext dsl, String usernameOrEmail) {
        return dsl.select(
                        USERS.ID,
                        USERS.USERNAME,
                        USERS.EMAIL,
                        USERS.DISPLAY_NAME,
                        USERS.ROLE,
                        USERS.STATUS,
                        USERS.CREATED_AT)
                .from(USERS)
                .where(USERS.USERNAME.eq(usernameOrEmail).or(USERS.EMAIL.eq(usernameOrEmail)))
                .fetchOptional(r -> toView(r));
    }

    Optional<UserView> findUserById(DSLContext dsl, long id) {
        return dsl.select(
                        USERS.ID,
                        USERS.USERNAME,
                        USERS.EMAIL,
                        USERS.DISPLAY_NAME,
                        USERS.ROLE,
                        USERS.STATUS,
                        USERS.CREATED_AT)
                .from(USERS)
                .where(USERS.ID.eq(id))
                .fetchOptional(r -> toView(r));
    }

    void touchUser(DSLContext dsl, long userId, Instant now) {
        dsl.update(USERS)
                .set(USERS.LAST_SEEN_AT, Times.utc(now))
                .where(USERS.ID.eq(userId))
                .execute();
    }

    Optional<String> passwordHash(DSLContext dsl, long userId) {
        return dsl.select(LOGIN_PASSWORDS.HASH)
                .from(LOGIN_PASSWORDS)
                .where(LOGIN_PASSWORDS.USER_ID.eq(userId))
                .fetchOptional(LOGIN_PASSWORDS.HASH);
    }

    void putPasswordHash(DSLContext dsl, long userId, String hash, Instant now) {
        int updated = dsl.update(LOGIN_PASSWORDS)
                .set(LOGIN_PASSWORDS.HASH, hash)
                .set(LOGIN_PASSWORDS.UPDATED_AT, Times.utc(now))
                .where(LOGIN_PASSWORDS.USER_ID.eq(userId))
                .execute();
        if (updated == 0) {
            dsl.insertInto(LOGIN_PASSWORDS)
                    .set(LOGIN_PASSWORDS.USER_ID, userId)
                    .set(LOGIN_PASSWORDS.HASH, hash)
                    .set(LOGIN_PASSWORDS.UPDATED_AT, Times.utc(now))
                    .execute();
        }
    }

    long insertLoginCookie(
            DSLContext dsl, long userId, String tokenHash, String ip, String userAgent, Instant now, Instant expires) {
        return dsl.insertInto(LOGIN_COOKIES)
                .set(LOGIN_COOKIES.USER_ID, userId)
                .set(LOGIN_COOKIES.TOKEN_HASH, tokenHash)
                .set(LOGIN_COOKIES.CREATED_AT, Times.utc(now))
                .set(LOGIN_COOKIES.LAST_SEEN_AT, Times.utc(now))
                .set(LOGIN_COOKIES.EXPIRES_AT, Times.utc(expires))
                .set(LOGIN_COOKIES.IP, ip)
                .set(LOGIN_COOKIES.USER_AGENT, userAgent)
                .returningResult(LOGIN_COOKIES.ID)
                .fetchOne(LOGIN_COOKIES.ID);
    }

    Optional<LoginCookieRow> findLoginCookie(DSLContext dsl, long id) {
        return dsl.select(LOGIN_COOKIES.ID, LOGIN_COOKIES.USER_ID, LOGIN_COOKIES.TOKEN_HASH, LOGIN_COOKIES.EXPIRES_AT)
                .from(LOGIN_COOKIES)
                .where(LOGIN_COOKIES.ID.eq(id))
                .fetchOptional(r -> new LoginCookieRow(r.value1(), r.value2(), r.value3(), Times.instant(r.value4())));
    }

    /** Records the cookie's last use: when and from where. */
    void touchLoginCookie(DSLContext dsl, long id, String ip, String userAgent, Instant now) {
        dsl.update(LOGIN_COOKIES)
                .set(LOGIN_COOKIES.LAST_SEEN_AT, Times.utc(now))
                .set(LOGIN_COOKIES.IP, ip)
                .set(LOGIN_COOKIES.USER_AGENT, userAgent)
                .where(LOGIN_COOKIES.ID.eq(id))
                .execute();
    }

    Optional<Instant> loginCookieLastSeen(DSLContext dsl, long id) {
        return dsl.select(LOGIN_COOKIES.LAST_SEEN_AT)
                .from(LOGIN_COOKIES)
                .where(LOGIN_COOKIES.ID.eq(id))
                .fetchOptional(r -> Times.instant(r.value1()));
    }

    void deleteLoginCookie(DSLContext dsl, long id) {
        dsl.deleteFrom(LOGIN_COOKIES).where(LOGIN_COOKIES.ID.eq(id)).execute();
    }

    void deleteLoginCookiesOfUser(DSLContext dsl, long userId) {
        dsl.deleteFrom(LOGIN_COOKIES).where(LOGIN_COOKIES.USER_ID.eq(userId)).execute();
    }

    void insertApiKey(DSLContext dsl, long userId, String name, String prefix, String hash, Instant now) {
        dsl.insertInto(API_KEYS)
                .set(API_KEYS.USER_ID, userId)
                .set(API_KEYS.NAME, name)
                .set(API_KEYS.KEY_PREFIX, prefix)
                .set(API_KEYS.KEY_HASH, hash)
                .set(API_KEYS.CREATED_AT, Times.utc(now))
                .execute();
    }

    /** An API key with the user it belongs to. */
    record ApiKeyUser(long keyId, String keyHash, UserView user) {}

    /** The API key with {@code prefix} and its user, in one query; empty when there is no such key. */
    Optional<ApiKeyUser> findApiKeyWithUser(DSLContext dsl, String prefix) {
        ApiKeys k = API_KEYS.as("k");
        Users u = USERS.as("u");
        return dsl.select(k.ID, k.KEY_HASH, u.ID, u.USERNAME, u.EMAIL, u.DISPLAY_NAME, u.ROLE, u.STATUS, u.CREATED_AT)
                .from(k)
                .join(u)
                .on(u.ID.eq(k.USER_ID))
                .where(k.KEY_PREFIX.eq(prefix))
                .fetchOptional(r -> new ApiKeyUser(
                        r.value1(),
                        r.value2(),
                        new UserView(
                                r.value3(),
                                r.value4(),
                                r.value5(),
                                r.value6(),
                                Role.byKey(r.value7()),
                                r.value8(),
                                Times.instant(r.value9()))));
    }

    /** Deletes every API key of {@code userId}; returns how many there were. */
    int deleteApiKeysOfUser(DSLContext dsl, long userId) {
        return dsl.deleteFrom(API_KEYS).where(API_KEYS.USER_ID.eq(userId)).execute();
    }

    void touchApiKey(DSLContext dsl, long id, Instant now) {
        dsl.update(API_KEYS)
                .set(API_KEYS.LAST_USED_AT, Times.utc(now))
                .where(API_KEYS.ID.eq(id))
                .execute();
    }

    void recordRequest(DSLContext dsl, String kind, boolean success, String ip, Long userId, Instant now) {
        dsl.insertInto(REQUESTS)
                .set(REQUESTS.KIND, kind)
                .set(REQUESTS.RESULT, success ? "success" : "fail")
                .set(REQUESTS.IP, ip)
                .set(REQUESTS.USER_ID, userId)
                .set(REQUESTS.CREATED_AT, Times.utc(now))
                .execute();
    }

    int countFailures(DSLContext dsl, String kind, String ip, Instant since) {
        return dsl.fetchCount(
                REQUESTS,
                REQUESTS.KIND
                        .eq(kind)
                        .and(REQUESTS.RESULT.eq("fail"))
                        .and(REQUESTS.IP.eq(ip))
                        .and(REQUESTS.CREATED_AT.gt(Times.utc(since))));
    }

    void clearFailures(DSLContext dsl, String kind, String ip) {
        dsl.deleteFrom(REQUESTS)
                .where(REQUESTS.KIND.eq(kind).and(REQUESTS.RESULT.eq("fail")).and(REQUESTS.IP.eq(ip)))
                .execute();
    }

    private static UserView toView(org.jooq.Record7<Long, String, String, String, String, String, LocalDateTime> r) {
        return new UserView(
                r.value1(),
                r.value2(),
                r.value3(),
                r.value4(),
                Role.byKey(r.value5()),
                r.value6(),
                Times.instant(r.value7()));
    }
}
