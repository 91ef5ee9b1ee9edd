package dev.tesela.platform.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.ConnectionProbe;
import dev.tesela.testing.Services;
import io.lettuce.core.RedisException;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The installation's Redis is made on first use: a process that never asks for it starts no client and connects nowhere. */
class RedisTest {

    @Test
    void nothingIsMadeUntilFirstUseAndAFailedConnectIsTriedAgain() {
        try (ConnectionProbe server = new ConnectionProbe()) {
            Redis redis = new Redis(URI.create("redis://127.0.0.1:" + server.port()));
            assertFalse(redis.used());
            assertEquals(0, server.connections());

            assertThrows(RedisException.class, redis::connection, "the probe hangs up");
            assertTrue(redis.used());
            int afterFirst = server.connections();
            assertTrue(afterFirst >= 1, "connected once: " + afterFirst);
            assertThrows(RedisException.class, redis::connection);
            assertTrue(
                    server.connections() > afterFirst,
                    "a failed connect is not remembered: the next use connects again");

            redis.close();
            assertThrows(RedisException.class, redis::connection, "closed");
        }
    }

    @Test
    void oneSharedConnection() {
        Services.requireRedis();
        try (Redis redis = new Redis(URI.create("redis://127.0.0.1:6379"))) {
            assertEquals("PONG", redis.connection().sync().ping());
            assertSame(redis.connection(), redis.connection());
        }
    }
}
