package dev.tesela.bench;

import dev.tesela.App;
import dev.tesela.platform.context.TenantResolver.Resolution;
import dev.tesela.tenancy.TenantDirectory;
import dev.tesela.testing.TestDatabase;
import java.util.Arrays;

/**
 * Heap held by the resolver cache: used heap (after full GCs) with {@code n} tenants cached minus used heap of the
 * same app with the cache empty, divided by {@code n}. Three rounds; prints each and the median.
 * Usage: TenantCacheHeap [n=10000]. Last line: {@code RESULT tenants=<n> bytes_per_tenant=<median> total_bytes=<..>}.
 */
public final class TenantCacheHeap {
    private TenantCacheHeap() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = 3;
        long[] deltas = new long[rounds];
        try (TestDatabase db = BenchSupport.database(TestDatabase.Kind.H2);
                App app = BenchSupport.providerApp(db)) {
            TenantDirectory directory = app.tenants();
            String[] hosts = BenchSupport.insertRegistryRows(db, app, n);
            // Load every class of the look-up path before the first baseline.
            for (int i = 0; i < Math.min(100, n); i++) {
                directory.resolve(hosts[i]);
            }
            for (int r = 0; r < rounds; r++) {
                directory.invalidateAll();
                long before = BenchSupport.usedHeapAfterGc();
                for (String host : hosts) {
                    if (!(directory.resolve(host) instanceof Resolution.Found)) {
                        throw new IllegalStateException("host " + host + " did not resolve to a tenant");
                    }
                }
                long after = BenchSupport.usedHeapAfterGc();
                long cached = directory.cachedHostnames();
                if (cached < n) {
                    throw new IllegalStateException("only " + cached + " of " + n + " host names stayed cached");
                }
                deltas[r] = after - before;
                System.out.printf(
                        "round %d: used heap %d -> %d bytes, %d cached: %d bytes per tenant%n",
                        r + 1, before, after, cached, deltas[r] / n);
            }
        }
        long[] sorted = deltas.clone();
        Arrays.sort(sorted);
        long median = sorted[rounds / 2];
        System.out.printf("RESULT tenants=%d bytes_per_tenant=%d total_bytes=%d%n", n, median / n, median);
    }
}
