package dev.tesela.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.Main;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real {@code serve} process for tests: this JVM's {@code java} and class path, the real main class, the given
 * environment only (none of the caller's own {@code TESELA_*} leak in), the data dir as working directory, port 0 (the
 * port it bound is read from its log, so processes never race for a port), stdout and stderr in
 * {@code <logDir>/<name>.log}. Stopped by {@link #stop()} or {@link #kill()}, or at the latest when the test JVM exits.
 */
public final class ServeProcess {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("listening on http://[^ ]+:(\\d+) ");

    private final String name;
    private final Process process;
    private final Path log;
    private final Thread killOnExit;
    /** The bound port, known once {@link #awaitReady} returned; 0 before. */
    public int port;

    private ServeProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.killOnExit = new Thread(process::destroyForcibly, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts {@code serve} with exactly {@code env} (which must name TESELA_DATA_DIR) and the JVM options
     * {@code jvmOptions} (heap, GC, ...); native access is always enabled.
     */
    public static ServeProcess start(String name, Map<String, String> env, Path logDir, List<String> jvmOptions)
            throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Files.deleteIfExists(log);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.addAll(
                List.of("-Xshare:auto", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("TESELA_"));
        builder.environment().putAll(env);
        builder.directory(Path.of(env.get("TESELA_DATA_DIR")).toFile());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new ServeProcess(name, builder.start(), log);
    }

    /** Waits (bounded) for the log line naming the port, then for {@code /healthz} to answer 200. */
    public void awaitReady(HttpClient http) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (port == 0) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                break;
            }
            if (!process.isAlive()) {
                fail(name + " exited with " + process.exitValue() + " before listening:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                fail(name + " did not listen within " + START_TIMEOUT.toSeconds() + " s:\n" + tail());
            }
            Thread.sleep(50);
        }
        var healthz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .timeout(Duration.ofSeconds(5))
                .build();
        while (true) {
            try {
                if (http.send(healthz, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not accepting yet
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                fail(name + " did not answer /healthz on port " + port + ":\n" + tail());
            }
            Thread.sleep(50);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The operating-system process id (to read its RSS, or to signal it). */
    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Asks the process to stop (SIGTERM: its shutdown hook closes the server), then kills it after 5 s. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        forget();
    }

    /** SIGKILL, as a crash: no shutdown hook runs. Waits (bounded) until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        forget();
    }

    private void forget() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException exiting) {
            // the JVM is already shutting down: the hook runs anyway and finds the process gone
        }
    }

    /** The last 40 lines of the log, for failure messages. */
    public String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
