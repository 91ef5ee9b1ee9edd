package dev.tesela.cli;

import dev.tesela.App;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** Runs the web server until the process is stopped. */
@Command(name = "serve", description = "Start the web server.")
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);
    private final CliEnvironment cli;

    ServeCommand(CliEnvironment cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        long started = System.nanoTime();
        App app = App.wire(cli.config());
        if (app.config().db().migrateOnStart()) {
            int applied = app.migrate();
            if (applied > 0) {
                log.info("Applied {} database migration(s)", applied);
            }
        }
        warnAboutStrandedTenants(app);
        recoverAfterCrash(app);
        String images = imageEngine(app);
        var server = app.webServer();
        int port = server.start();
        app.startBackgroundJobs();
        log.info(
                "Tesela {} listening on http://{}:{} (database: {}, sessions: {}, images: {}, started in {} ms)",
                App.VERSION,
                app.config().http().host(),
                port,
                app.database().vendor().name().toLowerCase(java.util.Locale.ROOT),
                app.sessionBackend(),
                images,
                (System.nanoTime() - started) / 1_000_000);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("Stopping");
                            server.stop();
                            app.close();
                            stopped.countDown();
                        },
                        "tesela-shutdown"));
        stopped.await();
        return 0;
    }

    /**
     * The image engine for the start-up line. Chosen explicitly ({@code TESELA_IMAGE_ENGINE=vips}), it is loaded now,
     * so a missing libvips fails the start rather than the first upload; otherwise ({@code auto}, {@code java}) it is
     * chosen at the first image (or {@code /readyz}) and logged then: loading libvips and its codecs costs about a
     * tenth of a second and ~35 MiB of resident memory that a server without uploads never needs.
     */
    private static String imageEngine(App app) {
        String choice = app.config().media().engine();
        return "vips".equals(choice) ? app.media().engineDescription() : choice + ", chosen at the first image";
    }

    /** Sweeps the scratch directories and recovers interrupted uploads; a failure is logged, never fatal. */
    private static void recoverAfterCrash(App app) {
        try {
            int recovered = app.recoverAtStartup();
            if (recovered > 0) {
                log.info("Recovered {} staged upload file(s) left by a previous process", recovered);
            }
        } catch (RuntimeException e) {
            log.warn(
                    "Could not recover interrupted uploads at start-up (the storage upkeep retries): {}", e.toString());
        }
    }

    /** Provider mode: names the tenants whose database server is missing from TESELA_DB_SERVERS (they answer 503). */
    private static void warnAboutStrandedTenants(App app) {
        if (!app.tenants().providerMode()) {
            return;
        }
        try {
            java.util.List<String> stranded = app.tenants().tenantsOnMissingServers();
            if (!stranded.isEmpty()) {
                log.error(
                        "{} tenant(s) live on database servers missing from TESELA_DB_SERVERS and will answer 503: {}",
                        stranded.size(),
                        stranded.size() > 20 ? stranded.subList(0, 20) + " …" : stranded);
            }
        } catch (RuntimeException e) {
            log.warn("Could not check the tenants' database servers: {}", e.toString());
        }
    }
}
