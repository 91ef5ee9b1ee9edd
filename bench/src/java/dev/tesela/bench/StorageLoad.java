package dev.tesela.bench;

import dev.tesela.storage.BlobStore;
import dev.tesela.storage.LocalBlobStore;
import dev.tesela.storage.S3BlobStore;
import dev.tesela.storage.S3Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Put and get throughput of a {@link BlobStore} (bench/storage.sh): {@code S3BlobStore} against an S3 API server, or
 * {@code LocalBlobStore} in a folder. Run with Tesela's jar and its lib/ on the class path.
 *
 * <p>Usage: {@code StorageLoad s3 <endpoint> <access> <secret> <bucket> <sources dir> <cases>} or
 * {@code StorageLoad local <root> <sources dir> <cases>}, cases = {@code size:count:concurrency,...}. First an
 * unmeasured warm-up ({@value #WARM_UP} puts and gets of 50 KB, one at a time: the JIT of this JVM and of the server).
 * Then per case: {@code count} source files of {@code size} bytes (random, distinct) written before the clock starts;
 * {@code count} putNew with {@code concurrency} calls in flight; {@code count} open + read to the end. Prints one line
 * {@code RESULT op=put size=... level=... ops=... mbps=... p50ms=...} per operation (ops/s, MB/s of payload, median
 * latency).
 */
public final class StorageLoad {
    private StorageLoad() {}

    public static void main(String[] args) throws Exception {
        BlobStore store;
        int next;
        if (args[0].equals("s3")) {
            store = new S3BlobStore(new S3Settings(
                    Optional.of(URI.create(args[1])),
                    "us-east-1",
                    args[4],
                    "bench/",
                    args[2],
                    args[3],
                    true,
                    Duration.ofSeconds(30),
                    64));
            next = 5;
        } else {
            store = new LocalBlobStore(Path.of(args[1]));
            next = 2;
        }
        Path sources = Path.of(args[next]);
        String[] cases = args[next + 1].split(",");

        // Warm-up (JIT of this JVM and of the server): 50 KB objects, one call at a time, not measured.
        runCase(store, sources, 51_200, WARM_UP, 1, false);
        for (String c : cases) {
            String[] parts = c.split(":");
            runCase(
                    store,
                    sources,
                    Integer.parseInt(parts[0]),
                    Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]),
                    true);
        }
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** Unmeasured puts and gets before the measured cases. */
    static final int WARM_UP = 400;

    /** Writes the sources, then puts and gets them; prints RESULT lines when {@code print}. */
    private static void runCase(BlobStore store, Path sources, int size, int count, int concurrency, boolean print)
            throws Exception {
        String run = size + "-" + concurrency + "-" + System.nanoTime();
        List<Path> files = new ArrayList<>();
        Random random = new Random(size * 31L + count);
        Files.createDirectories(sources);
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            files.add(Files.write(sources.resolve("src-" + run + "-" + i + ".bin"), bytes));
        }
        Timing put = measure(count, concurrency, i -> put(store, key(run, i), files.get(i)));
        Timing get = measure(count, concurrency, i -> get(store, key(run, i), size));
        if (print) {
            report("put", size, concurrency, put);
            report("get", size, concurrency, get);
        }
        for (Path file : files) {
            Files.delete(file);
        }
    }

    private static String key(String run, int i) {
        return "2026/12/02/" + run + "-" + i + ".jpeg";
    }

    private static void put(BlobStore store, String key, Path file) {
        try {
            store.putNew(key, file, "image/jpeg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void get(BlobStore store, String key, int size) {
        try (InputStream in = store.open(key).orElseThrow(() -> new IllegalStateException("missing " + key))) {
            long n = in.transferTo(OutputStreamSink.INSTANCE);
            if (n != size) {
                throw new IllegalStateException(key + ": read " + n + " bytes, expected " + size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Wall time in ns and per-call latencies. */
    private record Timing(long wallNanos, long[] latencies) {}

    private interface Op {
        void run(int i);
    }

    private static Timing measure(int count, int concurrency, Op op) throws Exception {
        long[] latencies = new long[count];
        AtomicInteger nextIndex = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newFixedThreadPool(concurrency)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                futures.add(threads.submit(() -> {
                    for (int i = nextIndex.getAndIncrement(); i < count; i = nextIndex.getAndIncrement()) {
                        long begin = System.nanoTime();
                        op.run(i);
                        latencies[i] = System.nanoTime() - begin;
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        return new Timing(System.nanoTime() - start, latencies);
    }

    private static void report(String op, int size, int concurrency, Timing timing) {
        int count = timing.latencies().length;
        double seconds = timing.wallNanos() / 1e9;
        long[] sorted = timing.latencies().clone();
        Arrays.sort(sorted);
        System.out.printf(
                java.util.Locale.ROOT,
                "RESULT op=%s size=%d level=%d ops=%.1f mbps=%.1f p50ms=%.2f%n",
                op,
                size,
                concurrency,
                count / seconds,
                (double) count * size / seconds / 1e6,
                sorted[count / 2] / 1e6);
    }

    /** Discards what it is given (reading to the end without keeping the bytes). */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
