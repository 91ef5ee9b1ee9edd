package dev.tesela.storage;

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
    private final Function<S3Settings, BlobStore> s3;
    private final Duration callTimeout;
    private final int maxConcurrency;

    /** @param s3 opens an S3-compatible bucket (S3BlobStore::new); may throw for a build without S3 support */
    public StorageStores(Function<S3Settings, BlobStore> s3, Duration callTimeout, int maxConcurrency) {
        this.s3 = s3;
        this.callTimeout = callTimeout;
        this.maxConcurrency = maxConcurrency;
    }

    public StorageStores(Function<S3Settings, BlobStore> s3, TeselaConfig.Storage config) {
        this(s3, config.callTimeout(), config.maxConcurrency());
    }

    /**
     * The store of {@code connection}. A local folder is created if missing (UncheckedIOException when it cannot
     * be); an S3 store connects on its first call.
     */
    public BlobStore open(StorageConnection connection) {
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
