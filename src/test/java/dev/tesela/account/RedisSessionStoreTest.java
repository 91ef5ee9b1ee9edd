package dev.tesela.account;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.security.Crypto;
import dev.tesela.testing.Services;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract on the Redis store against the real local Redis, in a namespace of its own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSessionStoreTest extends SessionStoreContract {
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisSessionStore store;
    private String namespace;

    @BeforeAll
    void connect() {
        client = RedisClient.create(RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(6379)
                .withTimeout(Duration.ofSeconds(2))
                .build());
        try {
            connection = client.connect();
        } catch (RuntimeException e) {
            client.shutdown();
            Services.unavailable("Redis", e);
        }
        namespace = "tesela-test-" + Crypto.randomBase62(8) + ":";
        StatefulRedisConnection<String, String> opened = connection;
        store = new RedisSessionStore(() -> opened, namespace);
    }

    @AfterAll
    void cleanUp() {
        if (connection != null) {
            var keys = connection.sync().keys(namespace + "*");
            if (!keys.isEmpty()) {
                connection.sync().del(keys.toArray(String[]::new));
            }
            connection.close();
            client.shutdown();
        }
    }

    @Override
    SessionStore store() {
        return store;
    }

    @Test
    void sessionsCarryAnIdleTtlInRedisAndNoPlainToken() {
        String token = store.create(a, new SessionStore.Session(1, null, Instant.now()), Duration.ofMinutes(30));
        var keys = connection.sync().keys(namespace + "a:session:*");
        assertTrue(!keys.isEmpty());
        for (String key : keys) {
            assertTrue(!key.contains(token), "the stored key is a hash, not the token");
            long ttl = connection.sync().ttl(key);
            assertTrue(ttl > 0 && ttl <= 1800, "ttl " + ttl);
        }
    }
}
