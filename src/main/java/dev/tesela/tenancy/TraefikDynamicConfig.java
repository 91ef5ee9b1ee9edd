package dev.tesela.tenancy;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.security.IpAllowList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Traefik's dynamic configuration for this installation, for Traefik's HTTP provider to poll: one router per tenant
 * (enabled or not: Tesela itself answers for a disabled site) named by its id, one router named {@value #PROVIDER_ROUTER}
 * for the provider's internal host name, all to one service, {@code http://<service name>:<service port>}, behind the
 * middleware {@value #ALLOW_RANGE}. Reads the registry on every call; thread-safe.
 */
public final class TraefikDynamicConfig {
    public static final String PROVIDER_ROUTER = "*";
    public static final String ALLOW_RANGE = "allow-range";
    static final String CLOUDFLARE_RANGES_RESOURCE = "cloudflare-ip-ranges.txt";

    private final TenantRegistry registry;
    private final TeselaConfig.Traefik settings;
    private final String providerHostname;
    private final List<String> sourceRanges;

    /** @param providerHostname the provider's own host name (TESELA_INTERNAL_HOSTNAME), already validated */
    public TraefikDynamicConfig(TenantRegistry registry, TeselaConfig.Traefik settings, String providerHostname) {
        this.registry = registry;
        this.settings = settings;
        this.providerHostname = providerHostname;
        this.sourceRanges = expand(settings.sourceRanges(), cloudflareRanges());
    }

    /** The document as nested maps and lists, in a stable order (provider router first, then tenants by id). */
    public Map<String, Object> document() {
        Map<String, Object> routers = new LinkedHashMap<>();
        routers.put(PROVIDER_ROUTER, router(providerHostname));
        for (TenantRecord tenant : registry.list()) {
            routers.put(tenant.id(), router(tenant.hostname()));
        }
        Map<String, Object> loadBalancer = new LinkedHashMap<>();
        loadBalancer.put(
                "servers", List.of(Map.of("url", "http://" + settings.serviceName() + ":" + settings.servicePort())));
        loadBalancer.put("passHostHeader", true);
        Map<String, Object> http = new LinkedHashMap<>();
        http.put("routers", routers);
        http.put("services", Map.of(settings.serviceName(), Map.of("loadBalancer", loadBalancer)));
        http.put("middlewares", Map.of(ALLOW_RANGE, Map.of("ipAllowList", Map.of("sourceRange", sourceRanges))));
        return Map.of("http", http);
    }

    private Map<String, Object> router(String hostname) {
        Map<String, Object> router = new LinkedHashMap<>();
        router.put("rule", "Host(`" + hostname + "`)");
        router.put("service", settings.serviceName());
        router.put("entryPoints", List.of(settings.entryPoint()));
        router.put("middlewares", List.of(ALLOW_RANGE));
        return router;
    }

    /** {@code configured} with each {@link TeselaConfig.Traefik#CLOUDFLARE} replaced by {@code cloudflare}; no repeats. */
    static List<String> expand(List<String> configured, List<String> cloudflare) {
        Set<String> ranges = new LinkedHashSet<>();
        for (String entry : configured) {
            if (entry.equals(TeselaConfig.Traefik.CLOUDFLARE)) {
                ranges.addAll(cloudflare);
            } else {
                ranges.add(entry);
            }
        }
        return List.copyOf(ranges);
    }

    /** Cloudflare's published IPv4 and IPv6 ranges, from the copy bundled with Tesela (never fetched). */
    static List<String> cloudflareRanges() {
        try (InputStream in = TraefikDynamicConfig.class.getResourceAsStream(CLOUDFLARE_RANGES_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "The resource " + CLOUDFLARE_RANGES_RESOURCE + " is missing from the build");
            }
            List<String> ranges = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String entry = line.replaceFirst("#.*", "").strip();
                if (!entry.isEmpty()) {
                    IpAllowList.parse(entry); // a bad line fails the build's tests, not a running Traefik
                    ranges.add(entry);
                }
            }
            return List.copyOf(ranges);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
