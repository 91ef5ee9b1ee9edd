package dev.tesela.platform.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An in-process cache of values read from a shared source (the tenant registry), emptied by {@link #invalidateAll()}
 * whenever that source changes. Unlike a bare Caffeine cache, whose {@code invalidateAll} leaves loads in flight
 * alone, a load that was running when {@code invalidateAll} ran is not kept: it may have read the source before
 * the change, and keeping it would serve the old value until it expires. The call that made such a load still
 * returns what it read (it raced the change). Concurrent loads of one key are made once. Thread-safe.
 */
public final class FlushableCache<K, V> {
    private final Cache<K, V> cache;
    /** Incremented by every invalidateAll, before the entries are dropped. */
    private final AtomicLong generation = new AtomicLong();

    /** @param ttl how long an entry lives at most (a safety net for a missed invalidation) */
    public FlushableCache(long maximumSize, Duration ttl) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttl)
                .build();
    }

    /** The cached value of {@code key}, else {@code loader}'s (never null), cached as described above. */
    public V get(K key, Function<? super K, ? extends V> loader) {
        long before = generation.get();
        V value = cache.get(key, loader);
        if (generation.get() != before) {
            // invalidateAll ran during this call, maybe while the value was being read: do not keep it. (An
            // invalidateAll that increments only after the check above drops the entry itself afterwards.)
            cache.asMap().remove(key, value);
        }
        return value;
    }

    /** Drops every entry, and every value being loaded now as it arrives. */
    public void invalidateAll() {
        generation.incrementAndGet();
        cache.invalidateAll();
    }

    /** Approximate number of entries. */
    public long estimatedSize() {
        return cache.estimatedSize();
    }
}
