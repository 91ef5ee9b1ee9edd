package dev.tesela.bench;

import dev.tesela.imaging.ImageEngines;
import dev.tesela.imaging.ImageFormat;
import dev.tesela.imaging.ImageInfo;
import dev.tesela.imaging.ImageProcessor;
import dev.tesela.imaging.PixelBudget;
import dev.tesela.imaging.RenderSpec;
import dev.tesela.imaging.RenderSpec.Fit;
import dev.tesela.imaging.Rendered;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Derivative benchmark behind bench/imaging.sh: for each input, a thumb (COVER 320×320 JPEG q82) and a medium (WITHIN
 * 500 wide, JPEG q82; for the animated GIF a GIF with every frame) made by
 * <ul>
 *   <li>{@code vips}: our libvips engine in this JVM (warm: warm-up runs first; one libvips thread per job),</li>
 *   <li>{@code java}: our pure-Java engine in this JVM (warm),</li>
 *   <li>{@code vipsthumbnail}: the libvips CLI, one process per derivative (same saver options as ours),</li>
 *   <li>{@code magick}: ImageMagick's {@code convert}, one process per derivative.</li>
 * </ul>
 * Each iteration makes the thumb then the medium; figures are medians over the iterations, in ms: wall clock per
 * derivative, and CPU time (user + system, all threads, CLI children included) for the pair.
 *
 * <p>Usage: {@code ImagingBench <inputs dir> <scratch dir> <vipsthumbnail> <convert>}; the inputs dir holds
 * {@code photo.jpg} (4000×3000), {@code big.png} (4000×3000) and {@code anim.gif} (800×600, 20 frames). System
 * properties {@code warmup} (default 2), {@code iterations} (5) and {@code gifIterations} (3). Prints one line per
 * input and tool: {@code RESULT input=<jpeg|png|gif> tool=<..> thumb_ms= medium_ms= both_ms= cpu_ms= runs=<both per iteration>}.
 * Fails (exit 1) if an output has the wrong size or frame count.
 */
public final class ImagingBench {
    private static final int QUALITY = 82;

    private record Input(String key, String file, ImageInfo info, ImageFormat mediumFormat) {}

    private ImagingBench() {}

    public static void main(String[] args) throws Exception {
        Path inputs = Path.of(args[0]);
        Path scratch = Path.of(args[1]);
        String vipsthumbnail = args[2];
        String convert = args[3];
        int warmup = Integer.getInteger("warmup", 2);
        int iterations = Integer.getInteger("iterations", 5);
        int gifIterations = Integer.getInteger("gifIterations", 3);

        ImageProcessor vips = ImageEngines.select("vips", new PixelBudget(150_000_000L));
        ImageProcessor java = ImageEngines.select("java", new PixelBudget(150_000_000L));
        System.out.println("ENGINE vips=" + vips.description().replace(' ', '_'));

        List<Input> all = List.of(
                new Input("jpeg", "photo.jpg", new ImageInfo(ImageFormat.JPEG, 4000, 3000, 1), ImageFormat.JPEG),
                new Input("png", "big.png", new ImageInfo(ImageFormat.PNG, 4000, 3000, 1), ImageFormat.JPEG),
                new Input("gif", "anim.gif", new ImageInfo(ImageFormat.GIF, 800, 600, 20), ImageFormat.GIF));
        for (Input input : all) {
            Path source = inputs.resolve(input.file());
            int n = input.key().equals("gif") ? gifIterations : iterations;
            int w = input.key().equals("gif") ? 1 : warmup;
            Path out = Files.createDirectories(scratch.resolve(input.key()));
            report(input, "vips", measure(w, n, () -> engine(vips, source, input, out)));
            report(input, "java", measure(w, n, () -> engine(java, source, input, out)));
            report(input, "vipsthumbnail", measure(0, n, () -> vipsthumbnail(vipsthumbnail, source, input, out)));
            report(input, "magick", measure(0, n, () -> magick(convert, source, input, out)));
        }
    }

    /** One iteration: {thumb ms, medium ms}. */
    private interface Pair {
        double[] run() throws Exception;
    }

    /** Per iteration: {thumb ms, medium ms, CPU ms of this process and its reaped children for both}. */
    private static double[][] measure(int warmup, int n, Pair pair) throws Exception {
        for (int i = 0; i < warmup; i++) {
            pair.run();
        }
        double[][] runs = new double[n][];
        for (int i = 0; i < n; i++) {
            long cpu0 = cpuTicks();
            double[] wall = pair.run();
            runs[i] = new double[] {wall[0], wall[1], (cpuTicks() - cpu0) * 1000.0 / CLOCK_TICKS};
        }
        return runs;
    }

    /** USER_HZ of /proc: 100 on every Linux this runs on. */
    private static final int CLOCK_TICKS = 100;

    /**
     * utime + stime + cutime + cstime of this process from /proc/self/stat, in clock ticks: our own CPU (all JVM and
     * libvips threads) plus that of the CLI processes we have waited for. 10 ms resolution.
     */
    private static long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    private static double[] engine(ImageProcessor engine, Path source, Input input, Path out) throws IOException {
        Path thumb = out.resolve("thumb.jpeg");
        Path medium = out.resolve("medium." + input.mediumFormat().extension());
        Files.deleteIfExists(thumb);
        Files.deleteIfExists(medium);
        long t0 = System.nanoTime();
        Rendered t = engine.render(
                source, input.info(), new RenderSpec(Fit.COVER, 320, 320, ImageFormat.JPEG, false, QUALITY), thumb);
        long t1 = System.nanoTime();
        Rendered m = engine.render(
                source, input.info(), new RenderSpec(Fit.WITHIN, 500, 0, input.mediumFormat(), true, QUALITY), medium);
        long t2 = System.nanoTime();
        int frames = input.info().frames();
        if (t.width() != 320 || t.height() != 320 || m.width() != 500 || m.height() != 375 || m.frames() != frames) {
            throw new IllegalStateException(
                    engine.description() + " made " + t + " and " + m + " from " + input.file());
        }
        return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
    }

    private static double[] vipsthumbnail(String tool, Path source, Input input, Path out) throws Exception {
        boolean gif = input.key().equals("gif");
        double thumb = run(
                tool, source.toString(), "-s", "320x320", "-c", "-o", out.resolve("cli-thumb.jpg") + "[Q=82,strip]");
        double medium = run(
                tool,
                source + (gif ? "[n=-1]" : ""),
                "-s",
                "500",
                "-o",
                out.resolve(gif ? "cli-medium.gif" : "cli-medium.jpg") + (gif ? "[strip,effort=1]" : "[Q=82,strip]"));
        return new double[] {thumb, medium};
    }

    private static double[] magick(String tool, Path source, Input input, Path out) throws Exception {
        boolean gif = input.key().equals("gif");
        double thumb = run(
                tool,
                source + (gif ? "[0]" : ""),
                "-thumbnail",
                "320x320^",
                "-gravity",
                "center",
                "-extent",
                "320x320",
                "-quality",
                "82",
                out.resolve("im-thumb.jpg").toString());
        double medium = run(
                tool,
                source.toString(),
                "-resize",
                "500x",
                "-strip",
                "-quality",
                "82",
                out.resolve(gif ? "im-medium.gif" : "im-medium.jpg").toString());
        return new double[] {thumb, medium};
    }

    /** Runs a command to completion; its wall time in ms. Output goes to the bench log; a failure aborts. */
    private static double run(String... command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        int rc = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (rc != 0) {
            throw new IllegalStateException("exit " + rc + ": " + String.join(" ", command));
        }
        return ms;
    }

    private static void report(Input input, String tool, double[][] runs) {
        double[] thumb = Arrays.stream(runs).mapToDouble(r -> r[0]).toArray();
        double[] medium = Arrays.stream(runs).mapToDouble(r -> r[1]).toArray();
        double[] both = Arrays.stream(runs).mapToDouble(r -> r[0] + r[1]).toArray();
        double[] cpu = Arrays.stream(runs).mapToDouble(r -> r[2]).toArray();
        List<String> each = new ArrayList<>();
        for (double b : both) {
            each.add(String.format(Locale.ROOT, "%.0f", b));
        }
        System.out.printf(
                Locale.ROOT,
                "RESULT input=%s tool=%s thumb_ms=%.0f medium_ms=%.0f both_ms=%.0f cpu_ms=%.0f runs=%s%n",
                input.key(),
                tool,
                median(thumb),
                median(medium),
                median(both),
                median(cpu),
                String.join("/", each));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
