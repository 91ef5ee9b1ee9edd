package dev.tesela.account;

import dev.tesela.platform.context.TenantContext;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Sessions in Redis, so any application instance serves any request. Keys:
 * {@code <namespace><tenant>:session:<hash>} (a hash with the session's fields, expiring after the idle time) and
 * {@code <namespace><tenant>:user-sessions:<userId>} (a set of that user's session keys, for sign-out everywhere).
 */
public final class RedisSessionStore implements SessionStore {
    private final Supplier<StatefulRedisConnection<String, String>> connection;
    private final String namespace;

    /** {@code connection} is asked for on every use (it may connect on first use: see {@code platform.cache.Redis}). */
    public RedisSessionStore(Supplier<StatefulRedisConnection<String, String>> connection, String namespace) {
        this.connection = connection;
        this.namespace = namespace;
    }

    @Override
    public String create(TenantContext tenant, Session session, Duration idle) {
        String token = SessionStore.newToken();
        String key = sessionKey(tenant, token);
        RedisCommands<String, String> redis = connection.get().sync();
        Map<String, String> fields = new java.util.HashMap<>();
        fields.put("user_id", Long.toString(session.userId()));
        fields.put("created_at", Long.toString(session.createdAt().toEpochMilli()));
        if (session.loginCookieId() != null) {
            fields.put("login_cookie_id", Long.toString(session.loginCookieId()));
        }
        redis.hset(key, fields);
        redis.expire(key, idle.toSeconds());
        String index = userIndexKey(tenant, session.userId());
        redis.sadd(index, key);
        redis.expire(index, Math.max(idle.toSeconds(), redis.ttl(index)));
        return token;
    }

    @Override
    public Optional<Session> findAndTouch(TenantContext tenant, String token, Duration idle) {
        String key = sessionKey(tenant, token);
        RedisCommands<String, String> redis = connection.get().sync();
        Map<String, String> fields = redis.hgetall(key);
        if (fields == null || fields.isEmpty() || !fields.containsKey("user_id")) {
            return Optional.empty();
        }
        redis.expire(key, idle.toSeconds());
        String cookie = fields.get("login_cookie_id");
        return Optional.of(new Session(
                Long.parseLong(fields.get("user_id")),
                cookie == null ? null : Long.parseLong(cookie),
                Instant.ofEpochMilli(Long.parseLong(fields.getOrDefault("created_at", "0")))));
    }

    @Override
    public void delete(TenantContext tenant, String token) {
        connection.get().sync().del(sessionKey(tenant, token));
    }

    @Override
    public void deleteAllForUser(TenantContext tenant, long userId) {
        RedisCommands<String, String> redis = connection.get().sync();
        String index = userIndexKey(tenant, userId);
        var keys = redis.smembers(index);
        if (!keys.isEmpty()) {
            redis.del(keys.toArray(String[]::new));
        }
        redis.del(index);
    }

    private String sessionKey(TenantContext tenant, String token) {
        return namespace + tenant.id() + ":session:" + SessionStore.storageKey(tenant, token);
    }

    private String userIndexKey(TenantContext tenant, long userId) {
        return namespace + tenant.id() + ":user-sessions:" + userId;
    }
}
