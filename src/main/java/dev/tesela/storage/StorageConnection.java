package dev.tesela.storage;

import java.net.URI;
import java.util.Optional;

/**
 * What it takes to open one storage's {@link BlobStore}: its connection fields, credentials in clear text (never
 * logged: {@link #toString} leaves them out).
 *
 * @param bucket    the bucket, or for {@code local} the folder
 * @param keyPrefix {@code ""} or ending in '/'
 */
public record StorageConnection(
        String api,
        String bucket,
        String region,
        Optional<URI> endpoint,
        String keyPrefix,
        String accessKey,
        String secretKey,
        boolean pathStyle) {

    @Override
    public String toString() {
        return "StorageConnection[" + api + " " + endpoint.map(URI::toString).orElse("") + " " + bucket + "/"
                + keyPrefix + "]";
    }
}
