package dev.tesela.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.web.WebServer;
import dev.tesela.testing.Multipart;
import dev.tesela.testing.QueryCounter;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How many SQL statements the hot requests cost, counted on the real application over HTTP (H2, sessions in the
 * database): an upload from the web page by a signed-in user, an upload through API v1 with a header key, the viewer
 * page and the front page. Each is counted in its steady state (after the same kind of request warmed the caches
 * that are meant to be warm), and each number is exact: a query added to one of these paths fails its test, which
 * then lists the statements it saw. Lower a number when a query goes away; raise one only with a reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryCountTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"csrf_token\" value=\"([^\"]*)\"");

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private TestDatabase db;
    private App app;
    private WebServer server;
    private String base;
    private QueryCounter queries;
    private String apiKey;
    private String session;
    private String csrf;
    private int seed;

    @BeforeAll
    void start() throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.H2);
        app = TestApps.migratedApp(db, Map.of());
        RequestContext system = app.systemContext(app.defaultTenant());
        app.installs().install(system, new InstallCommand("admin", "admin@example.com", "correct horse battery"));
        app.accounts()
                .createUser(
                        system,
                        new CreateUser("alice", "alice@example.com", "alice's long password", Principal.Role.USER));
        apiKey = app.accounts().createApiKey(system, "alice", "counting");
        session = app.accounts()
                .signIn(
                        system.withPrincipal(Principal.GUEST),
                        new SignIn("alice", "alice's long password", false, "test"))
                .sessionToken();
        server = app.webServer();
        base = "http://127.0.0.1:" + server.start();
        queries = QueryCounter.attachTo(system.db().dsl(), app.database().controlDsl(App.controlPrefix(app.config())));
        HttpResponse<String> page =
                send(HttpRequest.newBuilder(URI.create(base + "/upload")).header("Cookie", "tsl_session=" + session));
        assertEquals(200, page.statusCode(), page.body());
        Matcher m = CSRF_FIELD.matcher(page.body());
        assertTrue(m.find(), "the upload page has a CSRF token");
        csrf = m.group(1);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
        if (app != null) {
            app.close();
        }
        if (db != null) {
            db.close();
        }
    }

    /**
     * Session (1) and its user (1); the duplicate rule (1); the transaction: the user's image count first (1), the row
     * (1), its final key and delete hash (1: they need the row id), both variants (1). Settings come from the tenant
     * runtime's snapshot.
     */
    @Test
    void anUploadFromTheWebPageBySession() {
        webUpload();
        var counted = queries.count(this::webUpload);
        assertEquals(7, counted.count(), counted.listing());
    }

    /**
     * The key with its user, checked once, by the auth edge (1; its last-used time is written at most every 5
     * minutes); then as from the web page: the duplicate rule (1), the transaction (4).
     */
    @Test
    void anUploadThroughApiV1WithAHeaderKey() {
        apiUpload();
        var counted = queries.count(this::apiUpload);
        assertEquals(6, counted.count(), counted.listing());
    }

    /** The image with its owner and variants (1), its tags (1). */
    @Test
    void theViewerPage() {
        String viewer = URI.create(apiUpload().get("url_viewer").asString()).getPath();
        assertEquals(200, get(viewer).statusCode());
        var counted = queries.count(() -> get(viewer));
        assertEquals(200, counted.result().statusCode(), counted.result().body());
        assertEquals(2, counted.count(), counted.listing());
    }

    /** Nothing: the site's name and description come from the tenant runtime's settings snapshot. */
    @Test
    void theFrontPage() {
        assertEquals(200, get("/").statusCode());
        var counted = queries.count(() -> get("/"));
        assertEquals(200, counted.result().statusCode(), counted.result().body());
        assertEquals(0, counted.count(), counted.listing());
    }

    /** Uploads a new image from the web page as the signed-in user; returns the image's JSON. */
    private JsonNode webUpload() {
        Multipart form = new Multipart()
                .field("csrf_token", csrf)
                .file("source", "photo.jpg", "image/jpeg", TestImages.jpeg(800, 600, ++seed));
        return image(send(HttpRequest.newBuilder(URI.create(base + "/upload"))
                .header("Cookie", "tsl_session=" + session)
                .header("Content-Type", form.contentType())
                .POST(form.publisher())));
    }

    /** Uploads a new image through API v1 with the key in the X-API-Key header; returns the image's JSON. */
    private JsonNode apiUpload() {
        Multipart form = new Multipart().file("source", "photo.jpg", "image/jpeg", TestImages.jpeg(800, 600, ++seed));
        return image(send(HttpRequest.newBuilder(URI.create(base + "/api/1/upload"))
                .header("X-API-Key", apiKey)
                .header("Content-Type", form.contentType())
                .POST(form.publisher())));
    }

    private static JsonNode image(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("image");
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
