package dev.tesela.storage;

import dev.tesela.platform.security.Crypto;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs as objects of an S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, Garage, MinIO…), through the AWS
 * SDK v2 with the JDK's HttpURLConnection as its HTTP client. Key {@code 2026/11/23/a.jpeg} is the object
 * {@code <keyPrefix>2026/11/23/a.jpeg}; the staging area is the objects under {@code <keyPrefix>.staging/}, which no
 * key reaches ({@link BlobKeys} refuses segments starting with '.'), so nothing staged is ever read as a blob.
 * Nothing is buffered whole in memory: uploads stream from the file, {@link #open} returns the network stream, and
 * a ranged {@link #open(String, long, long)} sends a Range GET.
 *
 * <p><b>Taken keys.</b> {@link #putNew} looks at the key first (HEAD) and then writes with {@code If-None-Match: *};
 * {@link #stage} only writes so (its keys are fresh random names: a HEAD would cost a request per file for nothing);
 * {@link #publish} does the same with a CopyObject (a HEAD of the key, then the copy, which fails by itself when the
 * staged object is missing), then deletes the staged object. Where
 * the service honours the condition (AWS S3 for PutObject and CopyObject, R2, MinIO, S3Proxy for PutObject), two
 * concurrent writers of one key cannot both win. Where it is ignored (S3Proxy 4.1.0 for CopyObject, Garage, older
 * services), only the HEAD guards, and two writers racing within the same moment could both succeed, the later
 * object replacing the earlier. That race is harmless here: a key is written only after the database accepted it
 * under a unique index (the image's key for publish, a fresh random staging key for stage), so two writers of one key
 * never exist in Tesela itself; the check exists against programming errors, not against concurrent users. Each PUT
 * carries a random token in its user metadata ({@value #WRITE_TOKEN}): when the SDK retries a PUT whose first attempt
 * stored the object but lost the answer, the retry's 412 is recognised as this write's own object, not a taken key.
 * {@link #delete} and {@link #discardStaged} HEAD first to tell whether there was an object (S3's DELETE does not
 * say); of two concurrent deletes both may return true. A publish that finds the key already holding a copy of the
 * staged object (the same write token) counts it as published by a concurrent publish of the same blob, or by its own
 * copy retried by the SDK.
 *
 * <p><b>Bounded time.</b> Every method returns within {@code callTimeout} of the settings (plus scheduling noise),
 * all its requests and the SDK's retries included: each request gets what remains of that budget as its API call
 * timeout; connecting is given at most {@value #CONNECT_TIMEOUT_SECONDS} s and a read of the network stream at most
 * {@code callTimeout}. At most {@code maxConcurrency} requests are in flight at once on one store: a request that
 * gets no permit within the remaining budget is refused. {@link #open} gives its permit back once the object's
 * answer has begun: the stream it returns holds none, so that clients downloading large files slowly through Tesela
 * (or on purpose, many at once) cannot take every permit and starve the storage's uploads; each read of the stream is
 * bounded by {@code callTimeout}, so a storage that stalls mid-body holds that reader only. Callers close the stream
 * (an unfinished one aborts its connection). A timeout, a
 * connection failure, a 5xx answer or throttling (429, 503 SlowDown) fails with
 * {@link BlobStore.StoreUnavailableException}; 403 with {@link BlobStore.StoreRefusedException} "access denied to
 * bucket …" (wrong access key or secret, or a bucket policy), a bucket in another region or behind another endpoint
 * with a StoreRefusedException too, and a missing bucket with "no bucket …" — except for {@link #stat} and the HEAD of
 * the other methods, as an answer to HEAD has no body to tell a missing bucket from a missing object: {@link #stat} of
 * any key in a missing bucket is empty. Messages name the storage by {@link #describe()}, never the secret.
 *
 * <p>Checksums are computed and validated only where the S3 API requires them ({@code WHEN_REQUIRED} both ways),
 * as many third-party services reject or omit the SDK's default flexible checksums. Thread-safe.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    /** The staging area's prefix under the key prefix. */
    static final String STAGING_PREFIX = ".staging/";

    /**
     * User metadata ({@code x-amz-meta-tesela-write}) with a random token per write, so that a conditional PUT the SDK
     * retried after its first attempt succeeded unseen (412 on the retry) is recognised as this write's own object.
     */
    static final String WRITE_TOKEN = "tesela-write";

    static final int CONNECT_TIMEOUT_SECONDS = 2;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(CONNECT_TIMEOUT_SECONDS);
    private static final Set<String> THROTTLING =
            Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests");

    /** Error codes of a request sent to the wrong region or endpoint for the bucket (HTTP 400 or 301). */
    private static final Set<String> WRONG_PLACE =
            Set.of("AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException");

    private final S3Settings settings;
    private final S3Client client;
    private final Semaphore permits;
    private final String description;

    /**
     * Opens a client for the bucket of {@code settings} (makes no request). Loads the AWS SDK: only called for a site
     * that has an S3 storage, so a local-only site never loads it.
     *
     * @throws IllegalArgumentException when the settings cannot work (no bucket, a key prefix not ending in '/', a
     *                                  timeout or concurrency below 1)
     */
    public S3BlobStore(S3Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (settings.bucket() == null || settings.bucket().isBlank()) {
            throw new IllegalArgumentException("S3 storage without a bucket");
        }
        if (settings.keyPrefix() == null
                || !(settings.keyPrefix().isEmpty() || settings.keyPrefix().endsWith("/"))) {
            throw new IllegalArgumentException("S3 key prefix must be empty or end with '/'");
        }
        if (settings.keyPrefix().startsWith("/")) {
            throw new IllegalArgumentException("S3 key prefix must not start with '/'");
        }
        if (settings.callTimeout() == null || settings.callTimeout().toMillis() < 1) {
            throw new IllegalArgumentException("S3 call timeout must be positive");
        }
        if (settings.maxConcurrency() < 1) {
            throw new IllegalArgumentException("S3 max concurrency must be at least 1");
        }
        Duration connectTimeout =
                settings.callTimeout().compareTo(CONNECT_TIMEOUT) < 0 ? settings.callTimeout() : CONNECT_TIMEOUT;
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        .socketTimeout(settings.callTimeout()))
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(settings.pathStyle())
                // No "Expect: 100-continue" before a PUT's body: for image-sized objects it only adds a wait (measured
                // 4x slower PUTs with HttpURLConnection against S3Proxy).
                .serviceConfiguration(
                        S3Configuration.builder().expectContinueEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(
                        o -> o.apiCallTimeout(settings.callTimeout()).apiCallAttemptTimeout(settings.callTimeout()));
        settings.endpoint().ifPresent(builder::endpointOverride);
        this.client = builder.build();
        this.permits = new Semaphore(settings.maxConcurrency(), true);
        String endpoint = settings.endpoint()
                .map(URI::toString)
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                .orElse("https://s3." + settings.region() + ".amazonaws.com");
        this.description = "s3:" + endpoint + "/" + settings.bucket() + "/" + settings.keyPrefix();
    }

    /** E.g. {@code s3:http://127.0.0.1:9000/bucket/prefix/}: endpoint (the region's AWS one by default), bucket, prefix. */
    @Override
    public String describe() {
        return description;
    }

    @Override
    public void putNew(String key, Path file, String contentType) throws IOException {
        writeNew(objectKey(key), key, file, contentType, true);
    }

    @Override
    public Optional<BlobStat> stat(String key) throws IOException {
        long deadline = deadline();
        return head(objectKey(key), deadline).map(h -> new BlobStat(h.contentLength(), h.lastModified()));
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
        return get(objectKey(key), null);
    }

    @Override
    public Optional<InputStream> open(String key, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative byte range");
        }
        String object = objectKey(key);
        if (length == 0) { // a Range header cannot ask for no bytes
            return head(object, deadline()).map(h -> InputStream.nullInputStream());
        }
        return get(object, "bytes=" + offset + "-" + (offset + length - 1));
    }

    /** Always empty: the objects are on another machine. Validates the key like the other methods. */
    @Override
    public Optional<Path> localFile(String key) {
        objectKey(key);
        return Optional.empty();
    }

    @Override
    public boolean delete(String key) throws IOException {
        return deleteIfPresent(objectKey(key));
    }

    @Override
    public void stage(String stagingKey, Path file, String contentType) throws IOException {
        // No HEAD first: the PUT's If-None-Match refuses a taken staging key where the service honours it, and
        // staging keys are fresh random names, so one more request per staged file would guard against nothing.
        writeNew(stagingObjectKey(stagingKey), stagingKey, file, contentType, false);
    }

    @Override
    public boolean publish(String stagingKey, String key) throws IOException {
        String staged = stagingObjectKey(stagingKey);
        String target = objectKey(key);
        long deadline = deadline();
        // The usual case costs a HEAD of the key, the copy and the delete: the copy itself says when the staged
        // object is missing (404), and the staged object is looked at only when the key is taken.
        if (head(target, deadline).isPresent()) {
            return publishedAlready(staged, target, key, deadline);
        }
        try {
            call(
                    deadline,
                    "publish",
                    timeout -> client.copyObject(b -> b.sourceBucket(settings.bucket())
                            .sourceKey(staged)
                            .destinationBucket(settings.bucket())
                            .destinationKey(target)
                            .ifNoneMatch("*")
                            .overrideConfiguration(timeout)));
        } catch (ObjectNotFound | PreconditionFailed lostRace) {
            // The staged object is gone (a concurrent publish finished, or it was discarded), or the key was taken
            // meanwhile.
            return head(target, deadline).isPresent() && publishedAlready(staged, target, key, deadline);
        }
        deleteObject(staged, deadline);
        return true;
    }

    /**
     * The key holds an object: a copy of the staged one (a concurrent publish of it, or this call's copy retried by
     * the SDK), whose staged object is then deleted (true); false when there is no staged object any more (nothing
     * to tell, nothing changed); a BlobExistsException when it is another object.
     */
    private boolean publishedAlready(String staged, String target, String key, long deadline) throws IOException {
        Optional<HeadObjectResponse> source = head(staged, deadline);
        if (source.isEmpty()) {
            return false;
        }
        Optional<HeadObjectResponse> existing = head(target, deadline);
        if (existing.isEmpty()) {
            return false; // deleted meanwhile; the caller checks the key
        }
        if (!sameObject(existing.get(), source.get())) {
            throw new BlobExistsException(key);
        }
        deleteObject(staged, deadline);
        return true;
    }

    @Override
    public boolean discardStaged(String stagingKey) throws IOException {
        return deleteIfPresent(stagingObjectKey(stagingKey));
    }

    @Override
    public List<StagedBlob> staged(int limit) throws IOException {
        String prefix = settings.keyPrefix() + STAGING_PREFIX;
        long deadline = deadline();
        List<StagedBlob> found = new ArrayList<>();
        String continuation = null;
        do {
            String token = continuation;
            ListObjectsV2Response page = call(
                    deadline,
                    "list the staged objects",
                    timeout -> client.listObjectsV2(b -> b.bucket(settings.bucket())
                            .prefix(prefix)
                            .continuationToken(token)
                            .overrideConfiguration(timeout)));
            for (S3Object object : page.contents()) {
                found.add(new StagedBlob(object.key().substring(prefix.length()), object.lastModified()));
            }
            continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (continuation != null);
        found.sort(Comparator.comparing(StagedBlob::stagedAt).thenComparing(StagedBlob::stagingKey));
        return List.copyOf(found.subList(0, Math.min(Math.max(limit, 0), found.size())));
    }

    /** Closes the SDK client (idle connections); calls after this fail. */
    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + description + "]";
    }

    // ---- requests -------------------------------------------------------------------------------------------------

    /**
     * PUTs {@code file} as {@code object} unless it exists: with {@code lookFirst}, a HEAD before (for services that
     * ignore If-None-Match on PUT), and always If-None-Match on the PUT.
     */
    private void writeNew(String object, String key, Path file, String contentType, boolean lookFirst)
            throws IOException {
        Objects.requireNonNull(file, "file");
        long deadline = deadline();
        if (lookFirst && head(object, deadline).isPresent()) {
            throw new BlobExistsException(key);
        }
        RequestBody body;
        try {
            body = RequestBody.fromFile(file);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        String token = HexFormat.of().formatHex(Crypto.randomBytes(12));
        try {
            call(
                    deadline,
                    "write",
                    timeout -> client.putObject(
                            b -> b.bucket(settings.bucket())
                                    .key(object)
                                    .contentType(contentType)
                                    .metadata(Map.of(WRITE_TOKEN, token))
                                    .ifNoneMatch("*")
                                    .overrideConfiguration(timeout),
                            body));
        } catch (PreconditionFailed taken) {
            // Taken by another writer, or by this very write: the SDK retries a PUT whose answer it did not get, and
            // the retry then finds the object its first attempt stored.
            Optional<HeadObjectResponse> now = head(object, deadline);
            if (now.isPresent() && token.equals(now.get().metadata().get(WRITE_TOKEN))) {
                return;
            }
            throw new BlobExistsException(key);
        }
    }

    private Optional<HeadObjectResponse> head(String object, long deadline) throws IOException {
        try {
            return Optional.of(call(
                    deadline,
                    "look up an object",
                    timeout -> client.headObject(
                            b -> b.bucket(settings.bucket()).key(object).overrideConfiguration(timeout))));
        } catch (ObjectNotFound e) {
            return Optional.empty();
        }
    }

    /**
     * GETs the object (a byte range when {@code range} is not null) under a permit, given back once the answer has
     * begun: the stream holds none (see the class comment).
     */
    private Optional<InputStream> get(String object, String range) throws IOException {
        long deadline = deadline();
        acquire(deadline);
        try {
            AwsRequestOverrideConfiguration timeout = timeoutUntil(deadline);
            ResponseInputStream<GetObjectResponse> in = client.getObject(
                    b -> b.bucket(settings.bucket()).key(object).range(range).overrideConfiguration(timeout));
            return Optional.of(new ObjectStream(in));
        } catch (SdkException e) {
            IOException failure = failure("read an object", e);
            if (failure instanceof ObjectNotFound) {
                return Optional.empty();
            }
            throw failure;
        } finally {
            permits.release();
        }
    }

    private boolean deleteIfPresent(String object) throws IOException {
        long deadline = deadline();
        if (head(object, deadline).isEmpty()) {
            return false;
        }
        deleteObject(object, deadline);
        return true;
    }

    private void deleteObject(String object, long deadline) throws IOException {
        call(
                deadline,
                "delete an object",
                timeout -> client.deleteObject(
                        b -> b.bucket(settings.bucket()).key(object).overrideConfiguration(timeout)));
    }

    /** One request to the service under a permit, within what remains until {@code deadline}. */
    private <T> T call(long deadline, String operation, Request<T> request) throws IOException {
        acquire(deadline);
        try {
            return request.send(timeoutUntil(deadline));
        } catch (SdkException e) {
            throw failure(operation, e);
        } catch (UncheckedIOException e) {
            throw e.getCause(); // reading the upload's file
        } finally {
            permits.release();
        }
    }

    @FunctionalInterface
    private interface Request<T> {
        T send(AwsRequestOverrideConfiguration timeout);
    }

    private long deadline() {
        return System.nanoTime() + settings.callTimeout().toNanos();
    }

    private void acquire(long deadline) throws StoreUnavailableException {
        try {
            if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new StoreUnavailableException(
                        "storage " + description + " is busy: " + settings.maxConcurrency()
                                + " calls in flight did not finish within "
                                + settings.callTimeout().toMillis()
                                + " ms",
                        null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for storage " + description, e);
        }
    }

    private AwsRequestOverrideConfiguration timeoutUntil(long deadline) throws StoreUnavailableException {
        long remaining = deadline - System.nanoTime();
        if (remaining < TimeUnit.MILLISECONDS.toNanos(1)) {
            throw new StoreUnavailableException(
                    "storage " + description + " did not answer within "
                            + settings.callTimeout().toMillis() + " ms",
                    null);
        }
        Duration timeout = Duration.ofNanos(remaining);
        return AwsRequestOverrideConfiguration.builder()
                .apiCallTimeout(timeout)
                .apiCallAttemptTimeout(timeout)
                .build();
    }

    /** The typed failure for an SDK exception (see the class comment). */
    private IOException failure(String operation, SdkException e) {
        String where = "storage " + description;
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return new StoreUnavailableException(
                    where + " did not answer within " + settings.callTimeout().toMillis() + " ms (" + operation + ")",
                    e);
        }
        if (e instanceof S3Exception s3) {
            int status = s3.statusCode();
            String code =
                    s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            if (status == 404 && "NoSuchBucket".equals(code)) {
                return new StoreRefusedException("no bucket " + settings.bucket() + " on " + where, e);
            }
            if (status == 404) {
                return new ObjectNotFound(where + " has no such object (" + operation + ")", e);
            }
            if (status == 412 || (status == 409 && "ConditionalRequestConflict".equals(code))) {
                // 409: a concurrent conditional write of the same key (AWS S3)
                return new PreconditionFailed(where + " refused a conditional write (" + operation + ")", e);
            }
            if (status == 403) {
                return new StoreRefusedException(
                        "access denied to bucket " + settings.bucket() + " on " + where + " (" + code
                                + "): check the access key, the secret and the bucket's permissions",
                        e);
            }
            if (status >= 500 || status == 429 || THROTTLING.contains(code)) {
                return new StoreUnavailableException(
                        where + " failed to " + operation + " (HTTP " + status + (code == null ? "" : " " + code)
                                + "); try again later",
                        e);
            }
            String refused = where + " refused to " + operation + " (HTTP " + status + (code == null ? "" : " " + code)
                    + (status == 301 ? ": the bucket is in another region, or needs another endpoint" : "") + ")";
            // A bucket in another region or behind another endpoint: the storage's settings, not a bug of Tesela.
            return status == 301 || (code != null && WRONG_PLACE.contains(code))
                    ? new StoreRefusedException(refused, e)
                    : new IOException(refused, e);
        }
        if (e instanceof AbortedException && Thread.currentThread().isInterrupted()) {
            return new StoreUnavailableException("interrupted while waiting for " + where, e);
        }
        if (e instanceof SdkClientException) {
            return new StoreUnavailableException(where + " is unreachable (" + operation + "): " + e.getMessage(), e);
        }
        return new IOException(where + " failed to " + operation + ": " + e.getMessage(), e);
    }

    /**
     * Whether two objects are copies of one write: the same write token (a copy keeps the staged object's metadata),
     * or for objects without one (written by something else) the same ETag and size. The token matters where ETags
     * are not MD5 sums of the bytes (AWS S3 with SSE-KMS gives every copy its own ETag).
     */
    private static boolean sameObject(HeadObjectResponse a, HeadObjectResponse b) {
        String tokenA = a.metadata().get(WRITE_TOKEN);
        String tokenB = b.metadata().get(WRITE_TOKEN);
        if (tokenA != null && tokenB != null) {
            return tokenA.equals(tokenB);
        }
        return Objects.equals(a.eTag(), b.eTag()) && Objects.equals(a.contentLength(), b.contentLength());
    }

    private String objectKey(String key) {
        return settings.keyPrefix() + BlobKeys.requireValid(key);
    }

    private String stagingObjectKey(String stagingKey) {
        return settings.keyPrefix() + STAGING_PREFIX + BlobKeys.requireValid(stagingKey);
    }

    /** 404 of an object (not of the bucket): the callers turn it into "none". */
    private static final class ObjectNotFound extends IOException {
        ObjectNotFound(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** 412 of a conditional write: the key is taken. */
    private static final class PreconditionFailed extends IOException {
        PreconditionFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The body of a GET. Closed before its end it aborts the connection rather than reading the rest; a failed read is
     * the storage's failure ({@link StoreUnavailableException}).
     */
    private final class ObjectStream extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private final AtomicBoolean closed = new AtomicBoolean();
        private boolean ended;

        ObjectStream(ResponseInputStream<GetObjectResponse> response) {
            super(response);
            this.response = response;
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                ended |= b < 0;
                return b;
            } catch (IOException e) {
                throw readFailure(e);
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                int n = super.read(buffer, offset, length);
                ended |= n < 0;
                return n;
            } catch (IOException e) {
                throw readFailure(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                throw readFailure(e);
            }
        }

        private IOException readFailure(IOException e) {
            return e instanceof StoreUnavailableException
                    ? e
                    : new StoreUnavailableException("reading from storage " + description + " failed: " + e, e);
        }

        @Override
        public void close() throws IOException {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                if (!ended) {
                    response.abort(); // do not drain a large body only to reuse the connection
                }
                response.close();
            } catch (IOException | RuntimeException ignored) {
                // The bytes were read or are not wanted; a failure to close a connection changes nothing for the
                // caller.
            }
        }
    }
}
