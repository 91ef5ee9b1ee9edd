package dev.tesela.platform.web;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.metrics.Metrics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson3;
import java.util.List;
import org.slf4j.MDC;

/**
 * The HTTP server: Javalin 7 on Jetty 12 with virtual threads. Order of work per request: request id → tenant
 * edge → the edges the composition root passes (auth, install gate, CSRF) → the matched handler → metrics. Paths
 * under {@link #INSTALLATION_PATHS} belong to the installation, not a tenant, and skip the edges. The common GET of
 * a stored file never reaches Javalin: {@link DirectFilePath} answers it on Jetty's core API.
 */
public final class WebServer {
    static final List<String> INSTALLATION_PATHS = List.of("/healthz", "/readyz", "/metrics", "/static/", "/_/");
    private static final String STARTED = "tesela.startNanos";

    private final Javalin javalin;

    /**
     * Paths of stored files: they pass the tenant edge (the tenant owns the files) but none of the other edges, so
     * serving an image never looks up a session.
     */
    static final String FILES_PATH = "/images/";

    /**
     * Bodies read into memory whole (forms of the pages, JSON of the Tenants API, via Javalin's {@code formParam}
     * and {@code body}) are cut off beyond this many bytes; uploads are streamed to disk instead.
     */
    static final long IN_MEMORY_BODY_BYTES = 1024 * 1024;

    /**
     * Request bodies: {@code bodies} bounds every body (multipart parts over a small in-memory threshold spill to
     * its temp dir; a part over its file cap is refused while it streams in). The paths under {@code ownBodyPaths}
     * (API v1) check a key before reading their body, so they read and limit it themselves, answering in their own
     * error envelope.
     */
    public record Uploads(RequestBodies bodies, List<String> ownBodyPaths) {}

    private final RequestHeadDeadline headDeadline;
    /** The direct path of stored files, or null when no feature serves files. */
    private final DirectFilePath directFilePath;

    public WebServer(
            TeselaConfig.Http http,
            boolean https,
            TenantEdge tenantEdge,
            List<Handler> edges,
            List<Routes> features,
            ErrorMapper errors,
            Metrics metrics,
            Uploads uploads) {
        try {
            java.nio.file.Files.createDirectories(uploads.bodies().tempDir());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(
                    "Cannot create " + uploads.bodies().tempDir(), e);
        }
        this.headDeadline = new RequestHeadDeadline(http.headerTimeout());
        // Jetty's queues pad against false sharing by references per cache line, and without this property ask the
        // JVM over JMX whether references are compressed, which starts the platform MBean server: about a tenth of
        // serve's start-up work. 16 (4-byte references in a 64-byte line) holds for heaps under 32 GiB; a wrong value
        // would only change the padding.
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
        this.directFilePath = features.stream()
                .flatMap(f -> f.directFiles().stream())
                .findFirst()
                .map(direct -> new DirectFilePath(direct, tenantEdge, https, metrics))
                .orElse(null);
        this.javalin = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = Math.min(http.maxRequestBytes(), IN_MEMORY_BODY_BYTES);
            cfg.jetty.host = http.host();
            cfg.jetty.port = http.port();
            // Jetty reuses header lines seen before on a connection and by default matches them ignoring case, so a
            // cookie or token differing from an earlier one only in case was read as the earlier one. Tokens are
            // case-sensitive: match exactly (HttpFlowTest#aCookieDifferingOnlyInCase...).
            cfg.jetty.modifyHttpConfiguration(httpConfig -> {
                httpConfig.setHeaderCacheCaseSensitive(true);
                // A body trickling in below this average rate (after Jetty's grace period) fails the read.
                httpConfig.setMinRequestDataRate(http.minBodyBytesPerSecond());
            });
            // The same settings as RequestBodies#readMultipart, which reads every multipart body first.
            long maxFileBytes = uploads.bodies().maxFileBytes();
            cfg.jetty.multipartConfig.cacheDirectory(uploads.bodies().tempDir().toString());
            cfg.jetty.multipartConfig.maxInMemoryFileSize(64, io.javalin.config.SizeUnit.KB);
            cfg.jetty.multipartConfig.maxFileSize(maxFileBytes, io.javalin.config.SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(
                    uploads.bodies().multipartMaxBytes(), io.javalin.config.SizeUnit.BYTES);
            // The common GET of a stored file is answered ahead of the servlet layer (DirectFilePath); Javalin puts its
            // servlet handler inside the wrapper set here.
            if (directFilePath != null) {
                cfg.jetty.modifyServer(server -> server.setHandler(directFilePath));
            }
            cfg.jsonMapper(new JavalinJackson3());
            cfg.staticFiles.add(files -> {
                files.hostedPath = "/static";
                files.directory = "/public";
                files.location = Location.CLASSPATH;
                files.headers = java.util.Map.of("Cache-Control", "public, max-age=3600");
            });
            cfg.routes.before(ctx -> {
                ctx.attribute(STARTED, System.nanoTime());
                RequestIds.assign(ctx);
                SecurityHeaders.apply(ctx, https, ctx.path().startsWith(FILES_PATH));
                if (!startsWithAny(ctx.path(), uploads.ownBodyPaths())) {
                    uploads.bodies().refuseDeclaredOversize(ctx);
                }
            });
            cfg.routes.before(ctx -> {
                if (!isInstallationPath(ctx)) {
                    tenantEdge.handle(ctx);
                }
                // Multipart bodies are read here, to disk and within a reader slot, so that the edges after this
                // one (the CSRF check reads a form field) never parse one unguarded.
                if (ctx.method() == io.javalin.http.HandlerType.POST
                        && RequestBodies.isMultipart(ctx)
                        && !startsWithAny(ctx.path(), uploads.ownBodyPaths())) {
                    uploads.bodies().readMultipart(ctx);
                }
            });
            for (Handler edge : edges) {
                cfg.routes.before(ctx -> {
                    if (!isInstallationPath(ctx) && !ctx.path().startsWith(FILES_PATH)) {
                        edge.handle(ctx);
                    }
                });
            }
            features.forEach(f -> f.register(cfg.routes));
            // Javalin pre-registers its own mapper for HttpResponseException (unmatched routes, 405s); replace it.
            cfg.routes.exception(HttpResponseException.class, errors::handle);
            cfg.routes.exception(Exception.class, errors::handle);
            cfg.routes.after(MultipartCleanup::deleteParts);
            cfg.routes.after(ctx -> {
                // A refused request may leave part of its body unread; Jetty then closes the connection. Say so, or a
                // client that pools connections sends its next request on a closed one.
                if (ctx.statusCode() >= 400
                        && (ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null)) {
                    ctx.header("Connection", "close");
                }
            });
            cfg.routes.after(ctx -> {
                Long started = ctx.attribute(STARTED);
                if (started != null) {
                    metrics.recordRequest(
                            ctx.method().name(), routeOf(ctx), ctx.statusCode(), (System.nanoTime() - started) / 1e9);
                }
                MDC.clear();
            });
        });
    }

    /** Starts listening; returns the bound port (useful with port 0). */
    public int start() {
        javalin.start();
        for (var connector : javalin.jettyServer().server().getConnectors()) {
            if (connector instanceof org.eclipse.jetty.server.AbstractConnector watched) {
                watched.addEventListener(headDeadline);
            }
        }
        headDeadline.start();
        return javalin.port();
    }

    /** How many requests the direct path of stored files answered ahead of Javalin (for tests and diagnostics). */
    public long directFileAnswers() {
        return directFilePath == null ? 0 : directFilePath.answered();
    }

    public void stop() {
        javalin.stop();
        headDeadline.close();
    }

    private static boolean startsWithAny(String path, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static boolean isInstallationPath(Context ctx) {
        String path = ctx.path();
        for (String p : INSTALLATION_PATHS) {
            if (p.endsWith("/") ? path.startsWith(p) : path.equals(p)) {
                return true;
            }
        }
        return false;
    }

    private static String routeOf(Context ctx) {
        try {
            var endpoint = ctx.endpoints().matchedHttpEndpoint();
            return endpoint == null ? "unmatched" : endpoint.path;
        } catch (RuntimeException none) {
            return "unmatched";
        }
    }
}
