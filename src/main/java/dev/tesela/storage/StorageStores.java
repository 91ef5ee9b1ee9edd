package dev.tesela.storage;

import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tesela.platform.config.TeselaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * Opens the {@link BlobStore} of a storage from its connection: a {@link LocalBlobStore} on its folder for
 * {@code local} (under its key prefix, if any), the S3 adapter (the factory App passes in) for {@code s3}, with the
 * configured bounds on every call (TESELA_STORAGE_TIMEOUT_SECONDS, TESELA_STORAGE_MAX_CONCURRENCY). Thread-safe.
 */
public final class StorageStores {
    /** The most S3 stores kept open for sharing (distinct connections: sites × storages). */
    static final int MAX_SHARED = 10_000;

    /**
     * A shared store no runtime opened for this long is closed: its connection was edited or deleted (every live
     * runtime opens its stores anew, as runtimes are replaced at least every minute), so nothing asks for it any more.
     * Without this, every edit of an S3 storage left a client (its connection pool and threads) open for good.
     */
    static final Duration IDLE_CLOSE_AFTER = Duration.ofMinutes(15);

    private final Function<S3Settings, BlobStore> s3;
    private final com.github.benmanes.caffeine.cache.Cache<StorageConnection, BlobStore> shared;
    private final Duration callTimeout;
    private final int maxConcurrency;

    /** @param s3 opens an S3-compatible bucket (S3BlobStore::new); may throw for a build without S3 support */
    public StorageStores(Function<S3Settings, BlobStore> s3, Duration callTimeout, int maxConcurrency) {
        this(s3, callTimeout, maxConcurrency, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    /** @param ticker the clock of {@link #IDLE_CLOSE_AFTER} (tests pass one they move) */
    StorageStores(
            Function<S3Settings, BlobStore> s3,
            Duration callTimeout,
            int maxConcurrency,
            com.github.benmanes.caffeine.cache.Ticker ticker) {
        this.s3 = s3;
        this.callTimeout = callTimeout;
        this.maxConcurrency = maxConcurrency;
        this.shared = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                .maximumSize(MAX_SHARED)
                .expireAfterAccess(IDLE_CLOSE_AFTER)
                .ticker(ticker)
                .executor(Runnable::run) // closes on the thread that found it idle: no pool thread needed
                .removalListener((StorageConnection connection, BlobStore store, RemovalCause cause) -> {
                    if (store instanceof AutoCloseable closeable) {
                        try {
                            closeable.close();
                        } catch (Exception e) {
                            // a client that fails to close has nothing left to give back
                        }
                    }
                })
                .build();
    }

    /** Closes the shared stores found idle now (Caffeine also does it as a side effect of {@link #open}). */
    void closeIdle() {
        shared.cleanUp();
    }

    public StorageStores(Function<S3Settings, BlobStore> s3, TeselaConfig.Storage config) {
        this(s3, config.callTimeout(), config.maxConcurrency());
    }

    /**
     * The store of {@code connection}, shared by every runtime that opens the same connection: a site's runtime is
     * replaced on every change and at least every minute, and an S3 store holds a client (connection pool, threads)
     * that should not be made, and left open, that often. Up to {@value #MAX_SHARED} are kept; one dropped beyond
     * that (least used first), or not opened by any runtime for {@link #IDLE_CLOSE_AFTER}, is closed. A local folder is created if missing (UncheckedIOException when it cannot
     * be); an S3 store connects on its first call.
     */
    public BlobStore open(StorageConnection connection) {
        if (!Storage.S3.equals(connection.api())) {
            return openNew(connection);
        }
        return shared.get(connection, this::openNew);
    }

    /**
     * A store of {@code connection} of its own (for a test of new settings), which the caller closes when it is
     * {@link AutoCloseable}.
     */
    public BlobStore openNew(StorageConnection connection) {
        return switch (connection.api()) {
            case Storage.LOCAL -> {
                Path root = Path.of(connection.bucket());
                if (!connection.keyPrefix().isEmpty()) {
                    root = root.resolve(connection.keyPrefix());
                }
                try {
                    yield new LocalBlobStore(root);
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot use the folder " + root + ": " + e, e);
                }
            }
            case Storage.S3 ->
                s3.apply(new S3Settings(
                        connection.endpoint(),
                        connection.region(),
                        connection.bucket(),
                        connection.keyPrefix(),
                        connection.accessKey(),
                        connection.secretKey(),
                        connection.pathStyle(),
                        callTimeout,
                        maxConcurrency));
            default -> throw new IllegalArgumentException("Unknown storage api '" + connection.api() + "'");
        };
    }
}
