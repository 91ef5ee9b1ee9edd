package dev.tesela.media;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.imaging.ImageFormat;
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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.HttpOutput;

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
 */
final class FileServer {
    /** Files up to this size are kept in memory (thumbnails, medium sizes, most originals). */
    static final int MAX_CACHED_FILE_BYTES = 1024 * 1024;
    /** Upper bound of the bytes the cache holds (file contents plus a small per-entry overhead). */
    static final long CACHE_BYTES = 64L * 1024 * 1024;
    private static final int ENTRY_OVERHEAD = 512;
    private static final int STREAM_BUFFER = 256 * 1024;
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");
    private static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    private final MediaService media;
    private final Cache<FileKey, Served> cache;

    FileServer(MediaService media) {
        this.media = media;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(CACHE_BYTES)
                .weigher((FileKey k, Served s) -> ENTRY_OVERHEAD + k.key().length() + (s.body == null ? 0 : s.body.capacity()))
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

        Served(Path local, long size, Instant modified, String contentType, ByteBuffer body) {
            this.local = local;
            this.size = size;
            this.modified = modified;
            this.modifiedMillis = modified.toEpochMilli();
            this.etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(modifiedMillis) + "\"";
            this.lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.atZone(ZoneOffset.UTC));
            this.contentType = contentType;
            this.body = body;
        }

        boolean matches(long otherSize, long otherModifiedMillis) {
            return size == otherSize && modifiedMillis == otherModifiedMillis;
        }
    }

    void serve(Context ctx) throws IOException {
        String key = ctx.pathParam("key");
        try {
            BlobKeys.requireValid(key);
        } catch (IllegalArgumentException e) {
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
        if (notModified(ctx, file)) {
            ctx.status(304);
            return;
        }
        long size = file.size;
        long start = 0;
        long length = size;
        String range = ctx.header("Range");
        if (range != null && ifRangeMatches(ctx, file.etag)) {
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
                    ctx.status(416).header("Content-Range", "bytes */" + size);
                    return;
                }
                start = first;
                length = last - first + 1;
                ctx.status(206).header("Content-Range", "bytes " + first + "-" + last + "/" + size);
            }
        }
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
                if (now.isRegularFile() && cached.matches(now.size(), now.lastModifiedTime().toMillis())) {
                    return cached;
                }
            } else {
                Optional<BlobStore.BlobStat> now = k.store().stat(k.key());
                if (now.isEmpty()) {
                    cache.invalidate(k);
                    return null;
                }
                if (cached.matches(now.get().byteSize(), now.get().lastModified().toEpochMilli())) {
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

    private static boolean notModified(Context ctx, Served file) {
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(file.etag) || t.equals("W/" + file.etag)) {
                    return true;
                }
            }
            return false;
        }
        String ifModifiedSince = ctx.header("If-Modified-Since");
        if (ifModifiedSince == null) {
            return false;
        }
        if (ifModifiedSince.equals(file.lastModified)) {
            return true; // the usual case: the client echoes our own Last-Modified
        }
        Instant since = httpDate(ifModifiedSince);
        return since != null && !file.modified.isAfter(since.plusSeconds(1).minusNanos(1));
    }

    private static boolean ifRangeMatches(Context ctx, String etag) {
        String ifRange = ctx.header("If-Range");
        return ifRange == null || ifRange.trim().equals(etag);
    }

    private static Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
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
