package dev.tesela.bench;

import dev.tesela.App;
import dev.tesela.platform.context.TenantResolver.Resolution;
import dev.tesela.tenancy.TenantDirectory;
import dev.tesela.testing.TestDatabase;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Cost of {@link TenantDirectory#resolve} per request in provider mode, with {@code tenants} tenants in the registry
 * (H2, rows inserted directly) and all of them cached: {@code cached} resolves a random known host name per
 * operation (pre-generated order, cycling). {@code miss} empties the cache first, so every operation reads the
 * registry (one indexed SELECT on embedded H2, plus the tenant's key derivation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ResolverBenchmark {
    private static final int ORDER_SIZE = 1 << 16;
    private static final int MASK = ORDER_SIZE - 1;
    /** Cache entries expire a minute after they were written; re-warm well before that. */
    private static final long REWARM_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Param({"10", "1000", "10000"})
    public int tenants;

    private TestDatabase db;
    private App app;
    private TenantDirectory directory;
    private String[] hosts;
    private String[] order;
    private long warmedAt;

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void setUp() {
        db = BenchSupport.database(TestDatabase.Kind.H2);
        app = BenchSupport.providerApp(db);
        directory = app.tenants();
        hosts = BenchSupport.insertRegistryRows(db, app, tenants);
        SplittableRandom random = new SplittableRandom(42);
        order = new String[ORDER_SIZE];
        for (int i = 0; i < ORDER_SIZE; i++) {
            order[i] = hosts[random.nextInt(hosts.length)];
        }
        warm();
    }

    @Setup(Level.Iteration)
    public void rewarm(BenchmarkParams params) {
        if (isCached(params)
                && (System.nanoTime() - warmedAt > REWARM_NANOS || directory.cachedHostnames() < tenants)) {
            warm();
        }
    }

    /** The cached figures are only valid if nothing emptied the cache during the iteration (say a bus message). */
    @TearDown(Level.Iteration)
    public void check(BenchmarkParams params) {
        if (isCached(params) && directory.cachedHostnames() < tenants) {
            System.err.println("WARNING: resolver cache held " + directory.cachedHostnames() + " of " + tenants
                    + " host names at the end of an iteration (emptied by a cache-bus message?)");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        app.close();
        db.close();
    }

    @Benchmark
    public Resolution cached(Cursor cursor) {
        return directory.resolve(order[cursor.next++ & MASK]);
    }

    @Benchmark
    public Resolution miss(Cursor cursor) {
        directory.invalidateAll();
        return directory.resolve(order[cursor.next++ & MASK]);
    }

    private void warm() {
        directory.invalidateAll();
        for (String host : hosts) {
            if (!(directory.resolve(host) instanceof Resolution.Found)) {
                throw new IllegalStateException("host " + host + " did not resolve to a tenant");
            }
        }
        warmedAt = System.nanoTime();
    }

    private static boolean isCached(BenchmarkParams params) {
        return params.getBenchmark().endsWith(".cached");
    }
}
