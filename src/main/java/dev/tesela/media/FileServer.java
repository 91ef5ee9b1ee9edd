package dev.tesela.media;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.imaging.ImageFormat;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.web.DirectFiles;
import dev.tesela.platform.web.WebKeys;
import dev.tesela.storage.BlobKeys;
import dev.tesela.storage.BlobStore;
import dev.tesela.storage.SiteStorages;
import dev.tesela.storage.Storage;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct file URLs ({@code /images/<key>}): stored files are immutable (a new upload gets a new key), so responses
 * carry a strong ETag, Last-Modified and a year-long immutable Cache-Control; conditional requests get 304, a
 * single byte range gets 206 (416 when unsatisfiable), HEAD gets the headers alone. The content type comes from
 * the stored key's extension, never from the content; {@code nosniff} is sent on every response by the web server.
 *
 * <p>Which storage: a site with no storage but its built-in folder ({@link SiteStorages#onlyBuiltIn}) serves every key
 * from that folder without any query. Any other site looks the key up once ({@link MediaService#fileStore}: the storage
 * its image's row names, variants included), and keeps the answer with the file in the cache; a key no image has is a
 * 404 without touching any store. Files of expired images are served until the purge deletes them (no expiry check
 * here, as before storages).
 *
 * <p>Speed (bench/serving.sh, against nginx): a file is looked up once through the {@link BlobStore}, whose checks
 * (the key's path resolved segment by segment, so it cannot leave the store) cost ~30 system calls; after that it is
 * kept in a bounded in-memory cache with its header values, and files up to {@link #MAX_CACHED_FILE_BYTES} with
 * their bytes, off-heap, sent in one write together with the headers. Every later request of a file on this
 * machine's disk still checks it with one {@code stat} of the cached path: a file that changed is looked up again,
 * and one that is gone is a 404 at once, also when another process or instance deleted it. (Skipping that
 * {@code stat} gained nothing measurable.) A file of a remote store (no local file: S3) is trusted for
 * {@link #REMOTE_RECHECK_AFTER} after its last check instead, since a check there is a network call; files deleted on
 * this instance are dropped at once ({@link #evict}).
 *
 * <p>Remote files larger than the cache's limit are streamed from the store, a range by a ranged read of that range
 * only, through a bounded buffer (never the whole object in memory); a client that goes away closes the store's
 * stream. A store that fails or does not answer in its bounded time ({@link BlobStore.StoreUnavailableException}) is a
 * 503 with Retry-After (the error mapper, {@code Outages}), sent before any header of the file, so it is never cached.
 *
 * <p>Two entry points give the same answers: {@link #answer} for the direct path (Jetty's core API, ahead of Javalin;
 * it takes the 200, 206 and 304 answers of files held in memory, with header fields encoded once per file, and never
 * makes a query or a network call) and {@link #serve} for the full path (Javalin), which answers everything else:
 * missing files, 416, large files, files not yet cached on a site with several storages, remote files due for a
 * check. {@link #decide} is the one place that reads the conditional and range headers.
 */
final class FileServer implements DirectFiles {
    /** Files up to this size are kept in memory (thumbnails, medium sizes, most originals). */
    static final int MAX_CACHED_FILE_BYTES = 1024 * 1024;
    /** Upper bound of the bytes the cache holds (file contents plus a small per-entry overhead). */
    static final long CACHE_BYTES = 64L * 1024 * 1024;

    /**
     * How long a cached file of a remote store is served without asking the store whether it is still there. Files are
     * immutable under their key, so the check only finds files deleted by another instance (or behind Tesela's back);
     * doing it per request would put a network round trip (and the store's request price) on every hit. 30 s bounds
     * how long another instance's deletion can still be served here, which is far shorter than what browsers and
     * CDNs keep under the year-long Cache-Control anyway.
     */
    static final java.time.Duration REMOTE_RECHECK_AFTER = java.time.Duration.ofSeconds(30);

    private static final int ENTRY_OVERHEAD = 512;
    private static final int STREAM_BUFFER = 256 * 1024;
    /** Reads from a remote store's stream: small enough that many streams at once stay cheap on the heap. */
    private static final int REMOTE_BUFFER = 64 * 1024;

    private static final long RECHECK_NANOS = REMOTE_RECHECK_AFTER.toNanos();
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");
    private static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    private static final HttpField CACHE_CONTROL_FIELD =
            new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, CACHE_CONTROL);
    private static final HttpField ACCEPT_RANGES_FIELD = new PreEncodedHttpField(HttpHeader.ACCEPT_RANGES, "bytes");
    private static final Logger log = LoggerFactory.getLogger(FileServer.class);
    private final MediaService media;
    private final Cache<FileKey, Served> cache;

    FileServer(MediaService media) {
        this.media = media;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(CACHE_BYTES)
                .weigher((FileKey k, Served s) ->
                        ENTRY_OVERHEAD + k.key().length() + (s.body == null ? 0 : s.body.capacity()))
                .build();
        media.onFilesDeleted(this::evict);
    }

    /**
     * A stored file of one tenant, by key (keys are unique in a site, whatever storage holds them). Not by runtime:
     * runtimes are replaced every minute and on every change, and a remote file would be fetched again each time. An
     * entry remembers the store it came from; a remote one is used only while the caller's runtime still has that
     * store (shared across runtimes while its connection is unchanged), a local one while its file is on disk.
     */
    private record FileKey(String tenantId, String key) {}

    /**
     * Stops serving the files {@code keys} of {@code tenant} from memory at once: their image is being deleted on this
     * instance. Called through {@code PerTenant#filesDeleted} (ImageDeletion, right after the rows' transaction).
     */
    void evict(TenantContext tenant, Collection<String> keys) {
        for (String key : keys) {
            cache.invalidate(new FileKey(tenant.id(), key));
        }
    }

    /** Whether {@code store} is the store of one of the storages of {@code storages} (the same instance). */
    private boolean hasStore(SiteStorages storages, BlobStore store) {
        if (storages.builtIn().map(media::files).orElse(null) == store) {
            return true;
        }
        if (storages.onlyBuiltIn()) {
            return false;
        }
        for (Storage storage : storages.rows()) {
            if (media.files(storage) == store) {
                return true;
            }
        }
        return false;
    }

    /** The built-in folder's store of a site, or null when local storage is disabled. */
    private BlobStore builtInStore(SiteStorages storages) {
        return storages.builtIn().map(media::files).orElse(null);
    }

    /**
     * A file as served: validators and header values computed once, and its bytes when small enough, off-heap so
     * the socket write needs no copy into a temporary direct buffer (read-only; each response uses a duplicate).
     */
    private static final class Served {
        /** The store it came from (looked up again there when it changed). */
        final BlobStore store;
        /** System.nanoTime() of the latest check of a remote file against its store (unused for local files). */
        final AtomicLong checkedAt;

        final Path local;
        final long size;
        final long modifiedMillis;
        final Instant modified;
        final String etag;
        final String lastModified;
        final String contentType;
        final ByteBuffer body;
        /** The direct path's header fields of a 304 (and the start of every other answer), encoded once. */
        final List<HttpField> notModifiedFields;
        /** The direct path's header fields of a 200: those of a 304 plus the length. */
        final List<HttpField> fullFields;

        Served(BlobStore store, Path local, long size, Instant modified, String contentType, ByteBuffer body) {
            this.store = store;
            this.checkedAt = new AtomicLong(System.nanoTime());
            this.local = local;
            this.size = size;
            this.modified = modified;
            this.modifiedMillis = modified.toEpochMilli();
            this.etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(modifiedMillis) + "\"";
            this.lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.atZone(ZoneOffset.UTC));
            this.contentType = contentType;
            this.body = body;
            this.notModifiedFields = List.of(
                    new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, contentType),
                    new PreEncodedHttpField(HttpHeader.ETAG, etag),
                    new PreEncodedHttpField(HttpHeader.LAST_MODIFIED, lastModified),
                    CACHE_CONTROL_FIELD,
                    ACCEPT_RANGES_FIELD);
            List<HttpField> full = new ArrayList<>(notModifiedFields);
            full.add(new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, size));
            this.fullFields = List.copyOf(full);
        }

        boolean matches(long otherSize, long otherModifiedMillis) {
            return size == otherSize && modifiedMillis == otherModifiedMillis;
        }
    }

    /**
     * What a GET or HEAD of a file gets: 304 (not modified), 206 with the byte range {@code start} and {@code length},
     * 416 (the range cannot be satisfied), or 200 with the whole file.
     */
    private record Decision(int status, long start, long length) {}

    /** Reads the conditional and range headers (each may be null) for {@code file}. */
    private static Decision decide(
            Served file, String ifNoneMatch, String ifModifiedSince, String range, String ifRange) {
        if (notModified(file, ifNoneMatch, ifModifiedSince)) {
            return new Decision(304, 0, 0);
        }
        long size = file.size;
        if (range != null && (ifRange == null || ifRange.trim().equals(file.etag))) {
            Matcher m = RANGE.matcher(range.trim());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                long first;
                long last;
                if (m.group(1).isEmpty()) {
                    long suffix = Long.parseLong(m.group(2));
                    first = Math.max(0, size - suffix);
                    last = size - 1;
                } else {
                    first = Long.parseLong(m.group(1));
                    last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
                }
                if (first >= size || last < first) {
                    return new Decision(416, 0, 0);
                }
                return new Decision(206, first, last - first + 1);
            }
        }
        return new Decision(200, 0, size);
    }

    @Override
    public DirectAnswer answer(TenantContext tenant, String key, boolean head, HttpFields headers) throws IOException {
        if (!validKey(key)) {
            return null;
        }
        SiteStorages storages = tenant.storages();
        Served file;
        if (storages.onlyBuiltIn()) {
            BlobStore store = builtInStore(storages);
            file = store == null ? null : lookup(new FileKey(tenant.id(), key), storages, () -> store, false);
        } else {
            // Cached files only: looking a key up takes a query, and a remote file due for a check a network call.
            file = lookup(new FileKey(tenant.id(), key), storages, () -> null, false);
        }
        if (file == null || file.body == null) {
            return null;
        }
        Decision d = decide(
                file,
                headers.get(HttpHeader.IF_NONE_MATCH),
                headers.get(HttpHeader.IF_MODIFIED_SINCE),
                headers.get(HttpHeader.RANGE),
                headers.get(HttpHeader.IF_RANGE));
        return switch (d.status()) {
            case 304 -> new DirectAnswer(304, file.notModifiedFields, null);
            case 200 -> new DirectAnswer(200, file.fullFields, head ? null : file.body.duplicate());
            case 206 -> {
                List<HttpField> fields = new ArrayList<>(file.notModifiedFields);
                fields.add(new HttpField(
                        HttpHeader.CONTENT_RANGE,
                        "bytes " + d.start() + "-" + (d.start() + d.length() - 1) + "/" + file.size));
                fields.add(new HttpField(HttpHeader.CONTENT_LENGTH, Long.toString(d.length())));
                yield new DirectAnswer(206, fields, head ? null : file.body.slice((int) d.start(), (int) d.length()));
            }
            default -> null; // 416: the full path
        };
    }

    void serve(Context ctx) throws IOException {
        String key = ctx.pathParam("key");
        if (!validKey(key)) {
            notFound(ctx);
            return;
        }
        RequestContext rc = WebKeys.rc(ctx);
        SiteStorages storages = rc.tenant().storages();
        BlobStore builtIn = storages.onlyBuiltIn() ? builtInStore(storages) : null;
        FileKey k = new FileKey(rc.tenant().id(), key);
        StoreFinder finder = storages.onlyBuiltIn()
                ? () -> builtIn
                : () -> media.fileStore(rc, key).orElse(null);
        // Twice at most: a cached remote file whose store no longer has it (moved to another storage, or deleted
        // by another instance, within REMOTE_RECHECK_AFTER) is looked up afresh once.
        for (int attempt = 1; ; attempt++) {
            Served file = storages.onlyBuiltIn() && builtIn == null ? null : lookup(k, storages, finder, true);
            if (file == null) {
                notFound(ctx);
                return;
            }
            Decision d = decide(
                    file,
                    ctx.header("If-None-Match"),
                    ctx.header("If-Modified-Since"),
                    ctx.header("Range"),
                    ctx.header("If-Range"));
            boolean head = ctx.method() == HandlerType.HEAD;
            // A remote file is opened before any of its headers is set: a store that fails answers 503 (never with
            // the file's year-long Cache-Control).
            InputStream remote = null;
            if (!head && file.body == null && file.local == null && (d.status() == 200 || d.status() == 206)) {
                Optional<InputStream> opened =
                        d.status() == 206 ? file.store.open(key, d.start(), d.length()) : file.store.open(key);
                if (opened.isEmpty()) {
                    cache.invalidate(k);
                    if (attempt < 2) {
                        continue;
                    }
                    notFound(ctx);
                    return;
                }
                remote = opened.get();
            }
            try (InputStream in = remote) {
                respond(ctx, file, d, head, in);
            }
            return;
        }
    }

    /** Sends the answer {@code d} for {@code file}: headers, then the body from memory, the local file or {@code remote}. */
    private void respond(Context ctx, Served file, Decision d, boolean head, InputStream remote) throws IOException {
        HttpServletResponse res = ctx.res();
        res.setHeader("ETag", file.etag);
        res.setHeader("Last-Modified", file.lastModified);
        res.setHeader("Cache-Control", CACHE_CONTROL);
        res.setHeader("Accept-Ranges", "bytes");
        res.setContentType(file.contentType);
        switch (d.status()) {
            case 304 -> {
                ctx.status(304);
                return;
            }
            case 416 -> {
                ctx.status(416).header("Content-Range", "bytes */" + file.size);
                return;
            }
            case 206 ->
                ctx.status(206)
                        .header(
                                "Content-Range",
                                "bytes " + d.start() + "-" + (d.start() + d.length() - 1) + "/" + file.size);
            default -> {}
        }
        long start = d.start();
        long length = d.length();
        res.setContentLengthLong(length);
        if (head) {
            return;
        }
        // Images are never compressed, so the body goes straight to the servlet stream (not Javalin's compressing
        // wrapper); with the Content-Length set, one write of all the bytes completes the response.
        OutputStream out = res.getOutputStream();
        if (file.body != null) {
            ByteBuffer slice = file.body.slice((int) start, (int) length);
            if (out instanceof HttpOutput jetty) {
                jetty.write(slice); // no aggregation copy; the last write of the response, sent with the headers
            } else {
                byte[] chunk = new byte[(int) Math.min(length, STREAM_BUFFER)];
                while (slice.hasRemaining()) {
                    int n = Math.min(chunk.length, slice.remaining());
                    slice.get(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
            }
        } else if (file.local != null) {
            sendFile(file.local, start, length, out);
        } else {
            stream(remote, length, out);
        }
    }

    /**
     * Copies {@code length} bytes of a remote store's stream to the client through one bounded buffer. A client that
     * goes away ends it quietly (the caller closes the store's stream). A store that fails or ends early mid-way: the
     * status and part of the body are gone already, so the connection is cut (the client sees a broken download,
     * never a whole-looking one).
     */
    private static void stream(InputStream in, long length, OutputStream out) throws IOException {
        byte[] buffer = new byte[(int) Math.min(length, REMOTE_BUFFER)];
        long remaining = length;
        while (remaining > 0) {
            int n;
            IOException failure = null;
            try {
                n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            } catch (IOException e) {
                n = -1;
                failure = e;
            }
            if (n < 0) {
                log.warn(
                        "A stored file's stream {} after {} of {} bytes; connection cut",
                        failure == null ? "ended" : "failed (" + failure + ")",
                        length - remaining,
                        length);
                return; // short of its Content-Length: the server cuts the connection when the handler ends
            }
            try {
                out.write(buffer, 0, n);
            } catch (IOException clientGone) {
                return; // the client closed the connection: nothing to answer; the caller closes the store's stream
            }
            remaining -= n;
        }
    }

    private static boolean validKey(String key) {
        try {
            BlobKeys.requireValid(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Where a file not in the cache is looked for: its store, or null for none (404). */
    @FunctionalInterface
    private interface StoreFinder {
        BlobStore find() throws IOException;
    }

    /**
     * The file to serve (from the cache, checked against its store), or null when there is none. {@code full}: the full
     * path, which may look the file up ({@code finder}) and check a remote file against its store; the direct path
     * (false) takes cached files that need neither and leaves the rest (null) to the full path.
     */
    private Served lookup(FileKey k, SiteStorages storages, StoreFinder finder, boolean full) throws IOException {
        Served cached = cache.getIfPresent(k);
        if (cached != null && cached.local == null && !hasStore(storages, cached.store)) {
            cache.invalidate(k); // its storage changed or went (edited, deleted): looked up afresh
            cached = null;
        }
        if (cached != null) {
            if (cached.local != null) {
                BasicFileAttributes now;
                try {
                    now = Files.readAttributes(cached.local, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    now = null;
                }
                if (now != null
                        && now.isRegularFile()
                        && cached.matches(now.size(), now.lastModifiedTime().toMillis())) {
                    return cached;
                }
            } else {
                long checked = cached.checkedAt.get();
                long now = System.nanoTime();
                // One request re-checks an entry that is due; the others go on serving it meanwhile.
                if (now - checked < RECHECK_NANOS || (full && !cached.checkedAt.compareAndSet(checked, now))) {
                    return cached;
                }
                if (!full) {
                    return null;
                }
                Optional<BlobStore.BlobStat> stat;
                try {
                    stat = cached.store.stat(k.key());
                } catch (IOException unavailable) {
                    // Keep serving what was checked before (the next check is due in REMOTE_RECHECK_AFTER): the file
                    // is immutable, and a store that is down would turn every hit into a 503.
                    log.warn("Could not check a cached file against its store: {}", unavailable.toString());
                    return cached;
                }
                if (stat.isPresent()
                        && cached.matches(
                                stat.get().byteSize(), stat.get().lastModified().toEpochMilli())) {
                    return cached;
                }
            }
            // Gone or changed where it was (deleted, or moved to another storage; Tesela never rewrites a key): looked
            // up afresh below, where it is now, if anywhere.
            cache.invalidate(k);
        }
        BlobStore store = finder.find();
        return store == null ? null : load(k, store);
    }

    /** Looks the file up through {@code store} (all its checks) and caches what it found. */
    private Served load(FileKey k, BlobStore store) throws IOException {
        Optional<BlobStore.BlobStat> stat = store.stat(k.key());
        if (stat.isEmpty()) {
            return null;
        }
        long size = stat.get().byteSize();
        Path local = store.localFile(k.key()).orElse(null);
        ByteBuffer body = null;
        try {
            if (size <= MAX_CACHED_FILE_BYTES) {
                body = readSmall(store, k.key(), local, size);
            }
        } catch (NoSuchFileException deletedMeanwhile) {
            return null;
        }
        if (size <= MAX_CACHED_FILE_BYTES && body == null) {
            return null; // vanished between stat and read
        }
        Served served = new Served(store, local, size, stat.get().lastModified(), contentType(k.key()), body);
        cache.put(k, served);
        return served;
    }

    /** The file's bytes when it still has {@code size} bytes; null when it vanished or changed size meanwhile. */
    private static ByteBuffer readSmall(BlobStore store, String key, Path local, long size) throws IOException {
        byte[] bytes;
        if (local != null) {
            bytes = Files.readAllBytes(local);
        } else {
            Optional<InputStream> in = store.open(key);
            if (in.isEmpty()) {
                return null;
            }
            try (InputStream stream = in.get()) {
                bytes = stream.readNBytes(MAX_CACHED_FILE_BYTES + 1);
            }
        }
        if (bytes.length != size) {
            return null;
        }
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().asReadOnlyBuffer();
    }

    private static void sendFile(Path file, long start, long length, OutputStream out) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] buffer = new byte[(int) Math.min(length, STREAM_BUFFER)];
            ByteBuffer wrapped = ByteBuffer.wrap(buffer);
            long position = start;
            long remaining = length;
            while (remaining > 0) {
                wrapped.clear().limit((int) Math.min(buffer.length, remaining));
                int n = channel.read(wrapped, position);
                if (n <= 0) {
                    break;
                }
                out.write(buffer, 0, n);
                position += n;
                remaining -= n;
            }
        }
    }

    private static boolean notModified(Served file, String ifNoneMatch, String ifModifiedSince) {
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(file.etag) || t.equals("W/" + file.etag)) {
                    return true;
                }
            }
            return false;
        }
        if (ifModifiedSince == null) {
            return false;
        }
        if (ifModifiedSince.equals(file.lastModified)) {
            return true; // the usual case: the client echoes our own Last-Modified
        }
        Instant since = httpDate(ifModifiedSince);
        return since != null && !file.modified.isAfter(since.plusSeconds(1).minusNanos(1));
    }

    private static Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String contentType(String key) {
        String ext = key.substring(key.lastIndexOf('.') + 1);
        return ImageFormat.fromExtension(ext).map(ImageFormat::mimeType).orElse("application/octet-stream");
    }

    private static void notFound(Context ctx) {
        ctx.status(404).contentType("text/plain; charset=utf-8").result("Not found");
    }
}
