package dev.tesela.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Policy for tests that need a real external service (MariaDB, PostgreSQL, Redis). On a developer machine without
 * the service such a test is skipped; when {@code TESELA_TEST_REQUIRE_SERVICES=1} (set by .ci/run) a missing
 * service fails the test instead, so CI can never pass by skipping.
 */
public final class Services {
    public static final boolean REQUIRED = "1".equals(System.getenv("TESELA_TEST_REQUIRE_SERVICES"));

    private Services() {}

    /** Skips (or, in CI, fails) the calling test unless Redis answers on 127.0.0.1:6379. */
    public static void requireRedis() {
        RedisClient client = RedisClient.create(RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(6379)
                .withTimeout(Duration.ofSeconds(2))
                .build());
        try (var connection = client.connect()) {
            connection.sync().ping();
        } catch (RuntimeException e) {
            unavailable("Redis", e);
        } finally {
            client.shutdown();
        }
    }

    /** Skips (or, in CI, fails) the calling test because {@code service} is unreachable. */
    public static void unavailable(String service, Throwable cause) {
        String message = service + " is not reachable on 127.0.0.1 (" + cause.getMessage() + ")";
        if (REQUIRED) {
            Assertions.fail(message + " and TESELA_TEST_REQUIRE_SERVICES=1", cause);
        }
        Assumptions.abort(message + "; skipping (set TESELA_TEST_REQUIRE_SERVICES=1 to fail instead)");
    }
}
