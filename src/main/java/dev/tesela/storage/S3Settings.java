package dev.tesela.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach one S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, Garage, MinIO…).
 *
 * @param endpoint       the service's URL ({@code https://<account>.r2.cloudflarestorage.com},
 *                       {@code http://127.0.0.1:9000}); empty for AWS S3 itself (the region's endpoint)
 * @param region         the bucket's region ({@code us-east-1}, {@code auto} for R2)
 * @param bucket         the bucket's name
 * @param keyPrefix      a prefix under which this storage's objects live in the bucket ({@code ""} for none, else
 *                       ending in '/'), so several sites can share a bucket
 * @param accessKey      credentials, in clear text here (encrypted at rest by the storages table)
 * @param secretKey      credentials, in clear text here; never logged ({@link #toString} leaves it out)
 * @param pathStyle      path-style addressing ({@code endpoint/bucket/key}) instead of virtual-hosted
 *                       ({@code bucket.endpoint/key}); most self-hosted services need it
 * @param callTimeout    the most one call may take, all retries included: a store that does not answer in this
 *                       time is unavailable ({@link BlobStore.StoreUnavailableException})
 * @param maxConcurrency the most calls in flight at once on this storage; a call that cannot start within
 *                       {@code callTimeout} is refused as unavailable, so one slow storage holds at most this many
 *                       threads and never blocks the others
 */
public record S3Settings(
        Optional<URI> endpoint,
        String region,
        String bucket,
        String keyPrefix,
        String accessKey,
        String secretKey,
        boolean pathStyle,
        Duration callTimeout,
        int maxConcurrency) {

    @Override
    public String toString() {
        return "S3Settings[" + endpoint.map(URI::toString).orElse("aws") + " " + region + " " + bucket + "/" + keyPrefix
                + (pathStyle ? " path-style" : "") + "]";
    }
}
