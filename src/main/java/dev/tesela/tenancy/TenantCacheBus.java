package dev.tesela.tenancy;

import dev.tesela.platform.cache.Redis;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every application instance that the tenant registry changed, over a Redis pub/sub channel, so each
 * empties its resolver cache. Publishing needs only the shared connection (made on first publish: a CLI command
 * that changes nothing never connects); an instance that serves also {@link #listen}s. Lettuce re-subscribes after a
 * reconnect; messages published during an outage are lost, so a (re)subscription also empties the cache (and cache
 * entries expire after a minute regardless).
 */
public final class TenantCacheBus {
    private static final Logger log = LoggerFactory.getLogger(TenantCacheBus.class);
    private final String channel;
    private final Redis redis;

    /** Connects nothing yet. */
    public TenantCacheBus(Redis redis, String namespace) {
        this.channel = namespace + "_:tenants:changed";
        this.redis = redis;
    }

    /**
     * Subscribes now (a connection of its own, closed with {@code redis}); {@code onChange} runs on a Lettuce thread for
     * every change anywhere (this instance's too) and on every (re)subscription.
     */
    public void listen(Runnable onChange) {
        StatefulRedisPubSubConnection<String, String> subscriber = redis.connectPubSub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                onChange.run();
            }

            @Override
            public void subscribed(String ch, long count) {
                // (Re-)subscribed, possibly after an outage that swallowed messages: start from the registry again.
                onChange.run();
            }
        });
        subscriber.sync().subscribe(channel);
    }

    /** Announces a change of tenant {@code tenantId} to every instance. */
    public void publish(String tenantId) {
        try {
            redis.connection().sync().publish(channel, tenantId);
        } catch (RuntimeException e) {
            // The registry change is committed; other instances catch up when their cache entries expire.
            log.warn("Could not announce the change of tenant {} to other instances: {}", tenantId, e.getMessage());
        }
    }
}
