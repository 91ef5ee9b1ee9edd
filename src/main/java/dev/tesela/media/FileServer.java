package dev.tesela.media;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.imaging.ImageFormat;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.web.DirectFiles;
import dev.tesela.platform.web.WebKeys;
import dev.tesela.storage.BlobKeys;
import dev.tesela.storage.BlobStore;
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
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;

/**
 * Direct file URLs ({@code /images/<key>}): stored files are immutable (a new upload gets a new key), so responses
 * carry a strong ETag, Last-Modified and a year-long immutable Cache-Control; conditional requests get 304, a
 * single byte range gets 206 (416 when unsatisfiable), HEAD gets the headers alone. The content type comes from
 * the stored key's extension, never from the content; {@code nosniff} is sent on every response by the web server.
 *
 * <p>Speed (bench/serving.sh, against nginx): a file is looked up once through the {@link BlobStore}, whose checks
 * (the key's path resolved segment by segment, so it cannot leave the store) cost ~30 system calls; after that it is
 * kept in a bounded in-memory cache with its header values, and files up to {@link #MAX_CACHED_FILE_BYTES} with
 * their bytes, off-heap, sent in one write together with the headers. Every later request still checks the file on
 * disk with one {@code stat} of the cached path (for stores without local files, {@link BlobStore#stat}): a file
 * that changed is looked up again, and one that is gone is a 404 at once, also when another process or instance
 * deleted it. (Skipping that {@code stat} gained nothing measurable.)
 *
 * <p>Two entry points give the same answers: {@link #answer} for the direct path (Jetty's core API, ahead of Javalin;
 * it takes the 200, 206 and 304 answers of files held in memory, with header fields encoded once per file) and
 * {@link #serve} for the full path (Javalin), which answers everything else: missing files, 416, large files,
 * stores without local files. {@link #decide} is the one place that reads the conditional and range headers.
 */
final class FileServer implements DirectFiles {
    /** Files up to this size are kept in memory (thumbnails, medium sizes, most originals). */
    static final int MAX_CACHED_FILE_BYTES = 1024 * 1024;
    /** Upper bound of the bytes the cache holds (file contents plus a small per-entry overhead). */
    static final long CACHE_BYTES = 64L * 1024 * 1024;

    private static final int ENTRY_OVERHEAD = 512;
    private static final int STREAM_BUFFER = 256 * 1024;
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");
    private static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    private static final HttpField CACHE_CONTROL_FIELD =
            new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, CACHE_CONTROL);
    private static final HttpField ACCEPT_RANGES_FIELD = new PreEncodedHttpField(HttpHeader.ACCEPT_RANGES, "bytes");
    private final MediaService media;
    private final Cache<FileKey, Served> cache;

    FileServer(MediaService media) {
        this.media = media;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(CACHE_BYTES)
                .weigher((FileKey k, Served s) ->
                        ENTRY_OVERHEAD + k.key().length() + (s.body == null ? 0 : s.body.capacity()))
                .build();
    }

    /** A stored file of one tenant's store. Stores live as long as the process, one per tenant. */
    private record FileKey(BlobStore store, String key) {}

    /**
     * A file as served: validators and header values computed once, and its bytes when small enough, off-heap so
     * the socket write needs no copy into a temporary direct buffer (read-only; each response uses a duplicate).
     */
    private static final class Served {
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

        Served(Path local, long size, Instant modified, String contentType, ByteBuffer body) {
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
        Served file = lookup(new FileKey(media.blobStore(tenant), key));
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
        BlobStore store = media.blobStore(WebKeys.rc(ctx).tenant());
        Served file = lookup(new FileKey(store, key));
        if (file == null) {
            notFound(ctx);
            return;
        }
        HttpServletResponse res = ctx.res();
        res.setHeader("ETag", file.etag);
        res.setHeader("Last-Modified", file.lastModified);
        res.setHeader("Cache-Control", CACHE_CONTROL);
        res.setHeader("Accept-Ranges", "bytes");
        res.setContentType(file.contentType);
        Decision d = decide(
                file,
                ctx.header("If-None-Match"),
                ctx.header("If-Modified-Since"),
                ctx.header("Range"),
                ctx.header("If-Range"));
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
        if (ctx.method() == HandlerType.HEAD) {
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
            try (InputStream in = store.open(key).orElseThrow(() -> new IOException("blob vanished: " + key))) {
                in.skipNBytes(start);
                byte[] buffer = new byte[(int) Math.min(length, STREAM_BUFFER)];
                long remaining = length;
                while (remaining > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                    if (n < 0) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    remaining -= n;
                }
            }
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

    /** The file to serve (from the cache, checked against the disk), or null when there is none. */
    private Served lookup(FileKey k) throws IOException {
        Served cached = cache.getIfPresent(k);
        if (cached != null) {
            if (cached.local != null) {
                BasicFileAttributes now;
                try {
                    now = Files.readAttributes(cached.local, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    cache.invalidate(k);
                    return null;
                }
                if (now.isRegularFile()
                        && cached.matches(now.size(), now.lastModifiedTime().toMillis())) {
                    return cached;
                }
            } else {
                Optional<BlobStore.BlobStat> now = k.store().stat(k.key());
                if (now.isEmpty()) {
                    cache.invalidate(k);
                    return null;
                }
                if (cached.matches(
                        now.get().byteSize(), now.get().lastModified().toEpochMilli())) {
                    return cached;
                }
            }
            cache.invalidate(k); // changed on disk (not done by Tesela, whose files are immutable): look it up again
        }
        return load(k);
    }

    /** Looks the file up through the store (all its checks) and caches what it found. */
    private Served load(FileKey k) throws IOException {
        BlobStore store = k.store();
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
        Served served = new Served(local, size, stat.get().lastModified(), contentType(k.key()), body);
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
