package dev.tesela.tenancy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every application instance that the tenant registry changed, over a Redis pub/sub channel, so each
 * empties its resolver cache. Lettuce re-subscribes after a reconnect; messages published during an outage are
 * lost, so a reconnect also empties the cache (and cache entries expire after a minute regardless).
 */
public final class TenantCacheBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TenantCacheBus.class);
    private final String channel;
    private final StatefulRedisConnection<String, String> publisher;
    private final StatefulRedisPubSubConnection<String, String> subscriber;

    /** Subscribes at once; {@code onChange} runs on a Lettuce thread for every change anywhere (this instance's too). */
    public TenantCacheBus(RedisClient client, StatefulRedisConnection<String, String> publisher, String namespace, Runnable onChange) {
        this.channel = namespace + "_:tenants:changed";
        this.publisher = publisher;
        this.subscriber = client.connectPubSub();
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
            publisher.sync().publish(channel, tenantId);
        } catch (RuntimeException e) {
            // The registry change is committed; other instances catch up when their cache entries expire.
            log.warn("Could not announce the change of tenant {} to other instances: {}", tenantId, e.getMessage());
        }
    }

    @Override
    public void close() {
        subscriber.close();
    }
}
