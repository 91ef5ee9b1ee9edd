package dev.tesela.bench;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Load for bench/soak.sh: a mix of API v1 uploads (1 in 10), viewer pages (3 in 10) and file reads (6 in 10) against
 * one Tesela, over one HTTP/1.1 client on loopback.
 *
 * <p>Usage: {@code SoakLoad URL API_KEY RATE SECONDS WINDOW_SECONDS}. First 20 images are uploaded (not measured)
 * so pages and files exist. Then:
 * <ul>
 *   <li>{@code RATE} 0 (calibration): closed loop, 8 requests in flight, for SECONDS; prints
 *       {@code CAPACITY per_second=..} (answers per second; a failure ends the run with exit 1).</li>
 *   <li>{@code RATE} > 0: open loop, one request started every 1/RATE s for SECONDS, at most 256 in flight (a request
 *       that cannot start because 256 are in flight counts as an error: the server fell behind). Every
 *       WINDOW_SECONDS one line {@code WINDOW t=.. requests=.. errors=.. p50_ms=.. p95_ms=.. p99_ms=.. max_ms=..}
 *       for the requests that ended in that window, and at the end
 *       {@code RESULT requests=.. errors=.. per_second=.. p50_ms=.. p95_ms=.. p99_ms=.. max_ms=..}.</li>
 * </ul>
 * An error is any answer but 200 (a 503 too), or no answer within 30 s; the first five are printed to stderr. Exit
 * status 1 when there was any error. Only the JDK (uploads are PNGs drawn here, each different).
 */
public final class SoakLoad {
    private static final int MAX_IN_FLIGHT = 256;
    private static final Pattern VIEWER = Pattern.compile("\"url_viewer\":\"([^\"]+)\"");
    private static final Pattern FILE = Pattern.compile("\"url\":\"(http[^\"]*/images/[^\"]+)\"");

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final URI uploadUrl;
    private final String key;
    private final List<URI> pages = new ArrayList<>();
    private final List<URI> files = new ArrayList<>();
    private final AtomicInteger uploads = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger reported = new AtomicInteger();

    private SoakLoad(URI uploadUrl, String key) {
        this.uploadUrl = uploadUrl;
        this.key = key;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: SoakLoad URL API_KEY RATE SECONDS WINDOW_SECONDS");
            System.exit(2);
        }
        URI base = URI.create(args[0]);
        SoakLoad load = new SoakLoad(base.resolve("/api/1/upload"), args[1]);
        double rate = Double.parseDouble(args[2]);
        long seconds = Long.parseLong(args[3]);
        long window = Long.parseLong(args[4]);
        load.seed(20);
        boolean ok = rate <= 0 ? load.calibrate(seconds) : load.run(rate, seconds, window);
        System.exit(ok ? 0 : 1);
    }

    /** Uploads {@code n} images and keeps their viewer pages and file URLs (original, thumb, medium). */
    private void seed(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = send(upload());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("seed upload answered " + r.statusCode() + ": " + r.body());
            }
            Matcher viewer = VIEWER.matcher(r.body());
            if (viewer.find()) {
                pages.add(URI.create(viewer.group(1)));
            }
            Matcher file = FILE.matcher(r.body());
            while (file.find()) {
                files.add(URI.create(file.group(1)));
            }
        }
        if (pages.isEmpty() || files.isEmpty()) {
            throw new IllegalStateException("the seed uploads gave no page or file URLs");
        }
    }

    private boolean calibrate(long seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong done = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int w = 0; w < 8; w++) {
            workers.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < deadline && errors.get() == 0) {
                    if (once() >= 0) {
                        done.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        double perSecond = done.get() / ((System.nanoTime() - started) / 1e9);
        System.out.printf(
                Locale.ROOT, "CAPACITY per_second=%.1f requests=%d errors=%d%n", perSecond, done.get(), errors.get());
        return errors.get() == 0;
    }

    private boolean run(double rate, long seconds, long window) throws Exception {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        AtomicReference<ConcurrentLinkedQueue<Long>> current = new AtomicReference<>(new ConcurrentLinkedQueue<>());
        List<Long> all = new ArrayList<>();
        AtomicLong windowErrors = new AtomicLong();
        long interval = (long) (1_000_000_000L / rate);
        long started = System.nanoTime();
        long end = started + seconds * 1_000_000_000L;
        long nextWindow = started + window * 1_000_000_000L;
        long requests = 0;
        for (long next = started; next < end; next += interval) {
            long now;
            while ((now = System.nanoTime()) < next) {
                long waitNanos = next - now;
                Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
            }
            if (now >= nextWindow && nextWindow < end) { // the last window is reported once all its requests ended
                report(
                        current.getAndSet(new ConcurrentLinkedQueue<>()),
                        windowErrors.getAndSet(0),
                        (now - started) / 1_000_000_000L,
                        all);
                nextWindow += window * 1_000_000_000L;
            }
            requests++;
            if (!inFlight.tryAcquire()) {
                errors.incrementAndGet();
                windowErrors.incrementAndGet();
                error("over " + MAX_IN_FLIGHT + " requests in flight: the server fell behind");
                continue;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    long millis = once();
                    if (millis >= 0) {
                        current.get().add(millis);
                    } else {
                        windowErrors.incrementAndGet();
                    }
                } finally {
                    inFlight.release();
                }
            });
        }
        inFlight.acquire(MAX_IN_FLIGHT); // every request answered (each has a 30 s timeout)
        report(current.get(), windowErrors.get(), (System.nanoTime() - started) / 1_000_000_000L, all);
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                Locale.ROOT,
                "RESULT requests=%d errors=%d per_second=%.1f uploads=%d p50_ms=%d p95_ms=%d p99_ms=%d max_ms=%d%n",
                requests,
                errors.get(),
                requests / (seconds * 1.0),
                uploads.get(),
                pct(sorted, 50),
                pct(sorted, 95),
                pct(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        return errors.get() == 0;
    }

    private static void report(ConcurrentLinkedQueue<Long> latencies, long windowErrors, long t, List<Long> all) {
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        latencies.forEach(all::add);
        System.out.printf(
                Locale.ROOT,
                "WINDOW t=%d requests=%d errors=%d p50_ms=%d p95_ms=%d p99_ms=%d max_ms=%d%n",
                t,
                sorted.length + windowErrors,
                windowErrors,
                pct(sorted, 50),
                pct(sorted, 95),
                pct(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        System.out.flush();
    }

    private static long pct(long[] sorted, int p) {
        return sorted.length == 0
                ? 0
                : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    /** One request of the mix; its latency in ms, or -1 (counted as an error) when it failed. */
    private long once() {
        int n = sequence.getAndIncrement();
        int slot = n % 10;
        long t0 = System.nanoTime();
        try {
            HttpRequest request;
            if (slot == 0) {
                request = upload();
                uploads.incrementAndGet();
            } else if (slot <= 3) {
                request = HttpRequest.newBuilder(pages.get(n % pages.size()))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
            } else {
                request = HttpRequest.newBuilder(files.get(n % files.size()))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build();
            }
            HttpResponse<String> r = send(request);
            if (r.statusCode() != 200) {
                errors.incrementAndGet();
                error(request.method() + " " + request.uri().getPath() + " answered " + r.statusCode() + ": "
                        + r.body().substring(0, Math.min(300, r.body().length())));
                return -1;
            }
            return (System.nanoTime() - t0) / 1_000_000;
        } catch (Exception e) {
            errors.incrementAndGet();
            error(e.toString());
            return -1;
        }
    }

    private void error(String what) {
        if (reported.incrementAndGet() <= 5) {
            System.err.println("error: " + what);
        }
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** An upload of a new 320x240 PNG (noise over a colour that differs per upload, so never a duplicate). */
    private HttpRequest upload() throws IOException {
        int n = uploads.get() + sequence.get();
        BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(n * 7919L + System.nanoTime());
        int base = new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)).getRGB();
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                img.setRGB(x, y, (x * y + random.nextInt(32)) % 7 == 0 ? random.nextInt() : base);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        String boundary = "----soak" + Long.toHexString(random.nextLong());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n" + key + "\r\n"
                        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"source\"; filename=\"soak" + n
                        + ".png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(png.toByteArray());
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(uploadUrl)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
    }

    static {
        // Headless AWT for the PNG drawing.
        System.setProperty("java.awt.headless", "true");
        Arrays.asList(ImageIO.getWriterFormatNames()); // load the codecs before the clock starts
    }
}
