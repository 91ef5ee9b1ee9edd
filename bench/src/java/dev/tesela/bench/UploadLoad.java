package dev.tesela.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Upload load for bench/upload.sh: POSTs every file of a list once to API v1 ({@code key} + multipart {@code source}),
 * CONCURRENCY at a time, over one HTTP/1.1 client on loopback, and prints one line
 * {@code RESULT files=.. ok=.. seconds=.. per_second=.. p50_ms=.. p95_ms=.. max_ms=.. mib_per_second=..}.
 *
 * <p>Usage: {@code java UploadLoad.java URL API_KEY CONCURRENCY FILE_LIST} (FILE_LIST: one path a line). Only the JDK:
 * runs with the source launcher, and also compiles in the {@code bench} Maven profile. The request bodies are built in
 * memory before the clock starts, so disk reads of the client are not measured. Latency is from sending the request
 * to having read the whole answer. A request fails when the status is not 200 or the JSON does not carry
 * {@code "status_code":200}; the first failure's answer is printed to stderr and the exit status is then 1. Every
 * request has a 120 s timeout, so the run always ends.
 */
public final class UploadLoad {
    private UploadLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: UploadLoad URL API_KEY CONCURRENCY FILE_LIST");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        String key = args[1];
        int concurrency = Integer.parseInt(args[2]);
        List<Path> files = Files.readAllLines(Path.of(args[3])).stream()
                .filter(l -> !l.isBlank())
                .map(Path::of)
                .toList();

        List<Body> bodies = new ArrayList<>();
        long totalBytes = 0;
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            totalBytes += bytes.length;
            bodies.add(multipart(key, file.getFileName().toString(), bytes));
        }

        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        long[] latencies = new long[bodies.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        Body body = bodies.get(i);
                        HttpRequest request = HttpRequest.newBuilder(url)
                                .timeout(Duration.ofSeconds(120))
                                .header("Content-Type", "multipart/form-data; boundary=" + body.boundary())
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()))
                                .build();
                        long t0 = System.nanoTime();
                        String answer;
                        int status;
                        try {
                            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                            answer = response.body();
                            status = response.statusCode();
                        } catch (IOException e) {
                            answer = e.toString();
                            status = -1;
                        }
                        latencies[i] = System.nanoTime() - t0;
                        if (status == 200 && answer.contains("\"status_code\":200")) {
                            ok.incrementAndGet();
                        } else if (failed.getAndIncrement() == 0) {
                            System.err.println("upload of " + files.get(i) + " failed: HTTP " + status + ": "
                                    + answer.substring(0, Math.min(answer.length(), 500)));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "RESULT files=%d ok=%d seconds=%.2f per_second=%.2f p50_ms=%.0f p95_ms=%.0f max_ms=%.0f mib_per_second=%.1f%n",
                bodies.size(),
                ok.get(),
                seconds,
                ok.get() / seconds,
                percentile(sorted, 50) / 1e6,
                percentile(sorted, 95) / 1e6,
                sorted[sorted.length - 1] / 1e6,
                totalBytes / 1048576.0 / seconds);
        System.exit(failed.get() == 0 ? 0 : 1);
    }

    private record Body(String boundary, byte[] bytes) {}

    private static Body multipart(String key, String filename, byte[] file) throws IOException {
        String boundary = "----tesela-bench-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
        ByteArrayOutputStream out = new ByteArrayOutputStream(file.length + 512);
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n" + key + "\r\n"
                        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"source\"; filename=\""
                        + filename + "\"\r\n"
                        + "Content-Type: image/jpeg\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.write(file);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return new Body(boundary, out.toByteArray());
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
