package dev.tesela.testing;

import dev.tesela.storage.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API server for tests: S3Proxy ({@code target/s3proxy/s3proxy.jar}, copied there by the build's
 * {@code copy-s3proxy} step; never on the test class path, as it shades its own Jetty) run as its own process with
 * {@code java -jar} on the JDK running the tests, with its filesystem backend in a temporary folder, signature
 * checking on ({@code aws-v2-or-v4}) and an endpoint on a free loopback port. Up in about 2 s.
 *
 * <p>{@link #shared()} is one server per test JVM, for classes that only read and write (each uses its own bucket);
 * fault tests that {@link #stop()} and {@link #restart()} start their own with {@link #start()} and close it. When
 * the jar is missing the calling test is skipped, or fails when {@code TESELA_TEST_REQUIRE_SERVICES=1}
 * ({@link Services}).
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "tesela-test";
    public static final String SECRET_KEY = "tesela-test-secret-0123456789";
    public static final String REGION = "us-east-1";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(40);
    private static S3Server shared;

    private final Path jar;
    private final List<String> jvmOptions;
    private final Path home;
    private final int port;
    private Process process;
    private S3Client admin;

    private S3Server(Path jar, Path home, int port, List<String> jvmOptions) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.jar = jar;
        this.home = home;
        this.port = port;
    }

    /** The server shared by this JVM's test classes, started on first use and stopped when the JVM exits. */
    public static synchronized S3Server shared() {
        if (shared == null) {
            shared = start();
            S3Server server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3proxy-stop"));
        }
        return shared;
    }

    /**
     * A private server (for fault tests); the caller closes it. Skips or fails the test when the jar is missing. Its
     * JVM is tuned to start fast (C1 only, serial GC), which suits tests, not throughput measurements.
     */
    public static S3Server start() {
        return start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    }

    /** A private server whose JVM gets {@code jvmOptions} (e.g. none, for a benchmark); the caller closes it. */
    public static S3Server start(List<String> jvmOptions) {
        Path jar = Path.of(System.getProperty("tesela.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            String message =
                    "S3Proxy is not at " + jar + " (the build copies it there: ./mvnw generate-test-resources)";
            if (Services.REQUIRED) {
                Assertions.fail(message + " and TESELA_TEST_REQUIRE_SERVICES=1");
            }
            Assumptions.abort(message + "; skipping (set TESELA_TEST_REQUIRE_SERVICES=1 to fail instead)");
        }
        Path home;
        try {
            home = Files.createTempDirectory("tesela-s3proxy");
            Files.createDirectories(home.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IllegalStateException failure = new IllegalStateException("S3Proxy did not start; see " + home.resolve("log"));
        for (int attempt = 0; attempt < 3; attempt++) {
            S3Server server = new S3Server(jar, home, freeLoopbackPort(), jvmOptions);
            try {
                server.launch();
                return server;
            } catch (IllegalStateException e) {
                failure.addSuppressed(e);
                server.kill();
            }
        }
        throw failure;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Creates an empty bucket (names: 3 to 63 characters of [a-z0-9-]). */
    public void createBucket(String name) {
        admin().createBucket(b -> b.bucket(name));
    }

    /** Settings for {@code bucket} on this server, path-style, with its credentials. */
    public S3Settings settings(String bucket, String keyPrefix, Duration callTimeout, int maxConcurrency) {
        return new S3Settings(
                Optional.of(endpoint()),
                REGION,
                bucket,
                keyPrefix,
                ACCESS_KEY,
                SECRET_KEY,
                true,
                callTimeout,
                maxConcurrency);
    }

    /** The object keys in {@code bucket}, as the server has them (all of them, prefix included). */
    public List<String> objectKeys(String bucket) {
        return admin().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(o -> o.key())
                .sorted()
                .toList();
    }

    /** Kills the server (SIGKILL): connections are refused until {@link #restart()}. Its data stays. */
    public synchronized void stop() {
        kill();
    }

    /** Starts the stopped server again on the same port with the same data; waits until it answers. */
    public synchronized void restart() {
        if (process != null) {
            throw new IllegalStateException("the server is running");
        }
        launch();
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void close() {
        kill();
        if (admin != null) {
            admin.close();
            admin = null;
        }
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder: best effort
        }
    }

    private synchronized S3Client admin() {
        if (admin == null) {
            admin = S3Client.builder()
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .endpointOverride(endpoint())
                    .region(Region.of(REGION))
                    .forcePathStyle(true)
                    .credentialsProvider(
                            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .build();
        }
        return admin;
    }

    private void launch() {
        Path config = home.resolve("s3proxy.conf");
        try {
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "s3proxy.endpoint=" + endpoint(),
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            "jclouds.provider=filesystem",
                            "jclouds.filesystem.basedir=" + home.resolve("data"),
                            "jclouds.identity=" + ACCESS_KEY,
                            "jclouds.credential=" + SECRET_KEY,
                            ""));
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar.toString(), "--properties", config.toString()));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(home.resolve("log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start S3Proxy", e);
        }
        long started = System.nanoTime();
        long deadline = started + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "S3Proxy exited (port " + port + " taken?); see " + home.resolve("log"));
            }
            if (answers()) {
                System.out.printf("S3Proxy up on port %d in %d ms%n", port, (System.nanoTime() - started) / 1_000_000);
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting S3Proxy", e);
            }
        }
        throw new IllegalStateException(
                "S3Proxy did not answer within " + START_TIMEOUT.toSeconds() + " s; see " + home.resolve("log"));
    }

    /** Any HTTP answer (an anonymous request is refused with 403) means it is up. */
    private boolean answers() {
        try {
            HttpURLConnection connection =
                    (HttpURLConnection) endpoint().resolve("/").toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(1000);
            try {
                return connection.getResponseCode() > 0;
            } finally {
                connection.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    private void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
