package dev.tesela.platform.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Redis client of an installation, set up to fail fast while Redis is down and to come back by itself:
 * <ul>
 *   <li>every command (sync and async) times out after the URL's {@code timeout} parameter, or
 *       {@link #DEFAULT_COMMAND_TIMEOUT} when it has none (Lettuce's own default is 60 s);</li>
 *   <li>while the connection is down, commands are rejected at once instead of queued until the timeout;</li>
 *   <li>it reconnects by itself, retrying at least every {@link #MAX_RECONNECT_DELAY}, so service resumes within
 *       about a second of Redis being back; a reconnect attempt gives up after the command timeout.</li>
 * </ul>
 * The caller shuts the client down with {@link #shutdown(RedisClient)} (it owns its resources).
 */
public final class RedisClients {
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

    private RedisClients() {}

    /** A client for {@code uri} (redis:// or rediss://) as described above. Connects nothing yet. */
    public static RedisClient create(URI uri) {
        RedisURI redisUri = RedisURI.create(uri);
        if (!hasTimeoutParameter(uri)) {
            redisUri.setTimeout(DEFAULT_COMMAND_TIMEOUT);
        }
        Duration timeout = redisUri.getTimeout();
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(timeout)
                        .keepAlive(true)
                        .build())
                .build());
        return client;
    }

    /** Closes {@code client}'s connections and the resources {@link #create} made for it. */
    public static void shutdown(RedisClient client) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        client.getResources().shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static boolean hasTimeoutParameter(URI uri) {
        String query = uri.getRawQuery();
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            if (pair.regionMatches(true, 0, "timeout=", 0, "timeout=".length())) {
                return true;
            }
        }
        return false;
    }
}
