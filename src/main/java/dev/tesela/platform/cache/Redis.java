package dev.tesela.platform.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The installation's Redis ({@code TESELA_REDIS_URL}): one client (made by {@link RedisClients#create}) and one
 * connection shared by every command, plus the pub/sub connections of those that listen. Nothing is made until first
 * asked for, so a CLI command that never touches Redis starts no client threads and opens no socket; a serving
 * instance asks for {@link #connection()} at start-up, which fails fast when Redis is unreachable. A connect that
 * fails is tried again on the next call (the client reconnects by itself only once a connection was made).
 * Thread-safe; {@link #connection()} is cheap once connected (it is on the session path of every request).
 */
public final class Redis implements AutoCloseable {
    private final URI uri;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private RedisClient client;
    /** Written under {@link #lock}, read without it once set. */
    private volatile StatefulRedisConnection<String, String> connection;
    /** Guarded by {@link #lock}. */
    private final List<StatefulRedisPubSubConnection<String, String>> pubSub = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private boolean closed;

    public Redis(URI uri) {
        this.uri = uri;
    }

    /** The shared connection, connecting on first use; a Lettuce {@code RedisConnectionException} when unreachable. */
    public StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            return c;
        }
        synchronized (lock) {
            if (connection == null) {
                connection = client().connect();
            }
            return connection;
        }
    }

    /** A new pub/sub connection of this client (for a subscriber), closed by {@link #close()}. */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        synchronized (lock) {
            StatefulRedisPubSubConnection<String, String> c = client().connectPubSub();
            pubSub.add(c);
            return c;
        }
    }

    /** True once a client was made, i.e. this process has tried to talk to Redis (for tests of lean commands). */
    public boolean used() {
        synchronized (lock) {
            return client != null;
        }
    }

    private RedisClient client() {
        if (closed) {
            throw new RedisException("The Redis client is closed"); // what a closed connection's commands throw too
        }
        if (client == null) {
            client = RedisClients.create(uri);
        }
        return client;
    }

    /** Closes the connections and the client's resources, whatever of them was made. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            pubSub.forEach(StatefulRedisPubSubConnection::close);
            if (connection != null) {
                connection.close();
            }
            if (client != null) {
                RedisClients.shutdown(client);
            }
        }
    }
}
