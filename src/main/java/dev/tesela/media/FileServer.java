package dev.tesela.media;

import dev.tesela.imaging.ImageFormat;
import dev.tesela.platform.web.WebKeys;
import dev.tesela.storage.BlobKeys;
import dev.tesela.storage.BlobStore;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Direct file URLs ({@code /images/<key>}): stored files are immutable (a new upload gets a new key), so responses
 * carry a strong ETag, Last-Modified and a year-long immutable Cache-Control; conditional requests get 304, a
 * single byte range gets 206 (416 when unsatisfiable), HEAD gets the headers alone. The content type comes from
 * the stored key's extension, never from the content, and {@code nosniff} is always sent.
 */
final class FileServer {
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");
    private static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    private final MediaService media;

    FileServer(MediaService media) {
        this.media = media;
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
        Optional<BlobStore.BlobStat> stat = store.stat(key);
        if (stat.isEmpty()) {
            notFound(ctx);
            return;
        }
        long size = stat.get().byteSize();
        Instant modified = stat.get().lastModified();
        String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(modified.toEpochMilli()) + "\"";
        ctx.header("ETag", etag);
        ctx.header("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.atZone(ZoneOffset.UTC)));
        ctx.header("Cache-Control", CACHE_CONTROL);
        ctx.header("Accept-Ranges", "bytes");
        ctx.contentType(contentType(key));
        if (notModified(ctx, etag, modified)) {
            ctx.status(304);
            return;
        }
        long start = 0;
        long length = size;
        String range = ctx.header("Range");
        if (range != null && ifRangeMatches(ctx, etag)) {
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
        ctx.header("Content-Length", Long.toString(length));
        if (ctx.method() == HandlerType.HEAD) {
            return;
        }
        Optional<Path> local = store.localFile(key);
        OutputStream out = ctx.outputStream();
        if (local.isPresent()) {
            try (FileChannel channel = FileChannel.open(local.get(), StandardOpenOption.READ)) {
                long position = start;
                long remaining = length;
                var target = Channels.newChannel(out);
                while (remaining > 0) {
                    long n = channel.transferTo(position, remaining, target);
                    if (n <= 0) {
                        break;
                    }
                    position += n;
                    remaining -= n;
                }
            }
        } else {
            try (InputStream in = store.open(key).orElseThrow(() -> new IOException("blob vanished: " + key))) {
                in.skipNBytes(start);
                byte[] buffer = new byte[64 * 1024];
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

    private static boolean notModified(Context ctx, String etag, Instant modified) {
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                    return true;
                }
            }
            return false;
        }
        Instant since = httpDate(ctx.header("If-Modified-Since"));
        return since != null && !modified.isAfter(since.plusSeconds(1).minusNanos(1));
    }

    private static boolean ifRangeMatches(Context ctx, String etag) {
        String ifRange = ctx.header("If-Range");
        return ifRange == null || ifRange.trim().equals(etag);
    }

    private static Instant httpDate(String value) {
        if (value == null) {
            return null;
        }
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
