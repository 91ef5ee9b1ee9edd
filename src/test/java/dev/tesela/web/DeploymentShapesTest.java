package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.testing.Services;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestSite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The same app in its other shapes: sessions in Redis, and the saas context. */
class DeploymentShapesTest {
    private final HttpClient http =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void withRedisConfiguredSessionsLiveInRedisAndReadinessChecksIt() throws Exception {
        Services.requireRedis();
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2)
                .env("TESELA_REDIS_URL", "redis://127.0.0.1:6379")
                .installed()
                .serving()
                .start()) {
            App app = site.app();
            assertEquals("redis", app.sessionBackend());
            var signedIn = app.accounts()
                    .signIn(site.guest("10.1.1.1"), new SignIn(TestSite.ADMIN, TestSite.ADMIN_PASSWORD, false, null));
            assertEquals(
                    0,
                    site.dsl().fetchCount(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("sessions"))),
                    "no session rows in the database");
            assertTrue(app.accounts()
                    .authenticateSession(app.defaultTenant(), signedIn.sessionToken(), "10.1.1.1", null)
                    .isPresent());

            int port = site.port();
            var ready = http.send(get(port, "/readyz"), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode());
            assertTrue(ready.body().contains("\"redis\":\"ok\""), ready.body());
            assertTrue(ready.body().contains("\"sessions\":\"redis\""), ready.body());
            var home = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .header("Cookie", "tsl_session=" + signedIn.sessionToken())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(
                    home.body().contains("data-testid=\"signed-in-user\">admin<"),
                    "a Redis session signs the browser in");
        }
    }

    @Test
    void saasContextHasNoWebInstallerAndAnUninstalledSiteAnswers503() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.H2)
                .env("TESELA_CONTEXT", "saas")
                .serving()
                .start()) {
            App app = site.app();
            int port = site.port();
            var home = http.send(get(port, "/"), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, home.statusCode());
            assertTrue(!home.body().contains("action=\"/install\""));
            var install = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/install"))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "username=x&email=x@example.com&password=long enough"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(install.statusCode() == 503 || install.statusCode() == 404, "status " + install.statusCode());
            assertTrue(!app.installs().isInstalled(site.system()));

            app.installs()
                    .install(
                            site.system(),
                            new InstallCommand(TestSite.ADMIN, TestSite.ADMIN_EMAIL, TestSite.ADMIN_PASSWORD));
            assertEquals(
                    200,
                    http.send(get(port, "/"), HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "installed by the provider's tooling, the site serves");
            assertEquals(
                    404,
                    http.send(get(port, "/install"), HttpResponse.BodyHandlers.ofString())
                            .statusCode());

            // The host's internals stay hidden from the site; the provider's internal host name still sees them.
            var poweredBy = http.send(get(port, "/powered-by"), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, poweredBy.statusCode());
            assertTrue(
                    poweredBy.body().contains("Powered by <strong>Tesela</strong>,"),
                    "no version in saas: " + poweredBy.body());
            var ready = http.send(get(port, "/readyz"), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode());
            assertTrue(!ready.body().contains("version") && !ready.body().contains("image_engine"), ready.body());
            assertEquals(
                    404,
                    http.send(get(port, "/metrics"), HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            var internal = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                    .header("Host", "localhost")
                    .build();
            assertTrue(http.send(internal, HttpResponse.BodyHandlers.ofString())
                    .body()
                    .contains("\"version\""));
        }
    }

    @Test
    void selfHostedSitesShowTheirVersionOnPoweredBy() throws Exception {
        try (TestSite site =
                TestSite.on(TestDatabase.Kind.H2).installed().serving().start()) {
            int port = site.port();
            var poweredBy = http.send(get(port, "/powered-by"), HttpResponse.BodyHandlers.ofString());
            assertTrue(
                    poweredBy.body().contains("Powered by <strong>Tesela</strong> " + App.VERSION), poweredBy.body());
            assertTrue(poweredBy.body().contains("href=\"/powered-by\""), "linked from every page's footer");
            var ready = http.send(get(port, "/readyz"), HttpResponse.BodyHandlers.ofString());
            assertTrue(ready.body().contains("\"image_engine\""), ready.body());
        }
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
    }
}
