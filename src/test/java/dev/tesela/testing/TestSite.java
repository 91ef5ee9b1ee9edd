package dev.tesela.testing;

import dev.tesela.App;
import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.account.UserView;
import dev.tesela.install.InstallService.InstallCommand;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.web.WebServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * One single site for a test: the real {@link App} wired through the real config loader ({@link TestApps#env}: a
 * temp data dir, port 0, host name {@code localhost}) on a throwaway database, migrated, and, as asked, installed
 * (administrator {@value #ADMIN} / {@value #ADMIN_PASSWORD}), with users and API keys, and serving HTTP on a free
 * loopback port with the production routes. This is the one place where tests wire a site, install it and make
 * accounts: when the wiring of {@code App} or the services' signatures change, adapt it here.
 *
 * <pre>{@code
 * site = TestSite.on(Kind.H2).installed().user("alice").apiKey("alice", "sharex").serving().start();
 * http.send(HttpRequest.newBuilder(URI.create(site.base() + "/api/1/upload?key=" + site.key("alice")))...);
 * }</pre>
 *
 * {@link #close()} stops the server, closes the app and drops the database when the site created it. Build it in
 * {@code @BeforeAll} (a class's tests share it; give each test its own users or content rather than state that
 * one test leaves for another) or in a try-with-resources block. Not thread-safe while being built; once started,
 * its accessors may be called from any thread.
 */
public final class TestSite implements AutoCloseable {
    public static final String ADMIN = "admin";
    public static final String ADMIN_EMAIL = "admin@example.com";
    public static final String ADMIN_PASSWORD = "correct horse battery";

    private final TestDatabase db;
    private final boolean ownsDatabase;
    private final Map<String, String> env;
    private final App app;
    private final Map<String, UserView> users;
    private final Map<String, String> keys;
    private final WebServer server;
    private final int port;
    private boolean serverStopped;
    private boolean appClosed;

    private TestSite(
            TestDatabase db,
            boolean ownsDatabase,
            Map<String, String> env,
            App app,
            Map<String, UserView> users,
            Map<String, String> keys,
            WebServer server,
            int port) {
        this.db = db;
        this.ownsDatabase = ownsDatabase;
        this.env = env;
        this.app = app;
        this.users = users;
        this.keys = keys;
        this.server = server;
        this.port = port;
    }

    /** A site on a new database of {@code kind} (skipped, or failed in CI, when its server is unreachable). */
    public static Builder on(TestDatabase.Kind kind) {
        return new Builder(null, kind, null);
    }

    /** A site on {@code db}, which the caller keeps: {@link #close()} leaves it in place. */
    public static Builder on(TestDatabase db) {
        return new Builder(db, db.kind(), null);
    }

    /**
     * A site on the database that {@code dbEnv} (TESELA_DB_* keys) names, e.g. a private server of the test's own;
     * {@link #db()} is then null.
     */
    public static Builder onDatabase(Map<String, String> dbEnv) {
        return new Builder(null, null, Map.copyOf(dbEnv));
    }

    /** What the site is built with. Each call returns this builder. */
    public static final class Builder {
        private final TestDatabase givenDb;
        private final TestDatabase.Kind kind;
        private final Map<String, String> dbEnv;
        private final Map<String, String> extra = new HashMap<>();
        private boolean installed;
        private final List<String> usernames = new ArrayList<>();
        /** username → label, in the order asked. */
        private final List<String[]> apiKeys = new ArrayList<>();

        private boolean serving;

        private Builder(TestDatabase givenDb, TestDatabase.Kind kind, Map<String, String> dbEnv) {
            this.givenDb = givenDb;
            this.kind = kind;
            this.dbEnv = dbEnv;
        }

        /** Sets one environment variable of the app (over the defaults of {@link TestApps#env}). */
        public Builder env(String key, String value) {
            extra.put(key, value);
            return this;
        }

        /** Sets environment variables of the app (over the defaults of {@link TestApps#env}). */
        public Builder env(Map<String, String> values) {
            extra.putAll(values);
            return this;
        }

        /**
         * The app listens on a port chosen now and names {@code 127.0.0.1:<port>} as its host, so the absolute links it
         * hands out work from the test (a browser, an API client): {@link TestApps#reachableAt()}.
         */
        public Builder reachable() {
            return env(TestApps.reachableAt());
        }

        /** Installs the site: administrator {@value #ADMIN}, {@value #ADMIN_EMAIL}, {@value #ADMIN_PASSWORD}. */
        public Builder installed() {
            installed = true;
            return this;
        }

        /**
         * Adds a user with the role USER, e-mail {@code <username>@example.com} and password
         * {@link TestSite#password(String)}. Needs {@link #installed()}.
         */
        public Builder user(String username) {
            usernames.add(username);
            return this;
        }

        /** Creates an API key of {@code username} (the administrator or a user added here), read with {@link #key}. */
        public Builder apiKey(String username, String label) {
            apiKeys.add(new String[] {username, label});
            return this;
        }

        /** Starts the web server on the configured port (port 0, a free one, unless {@link #reachable()}). */
        public Builder serving() {
            serving = true;
            return this;
        }

        /** Builds the site; on failure closes whatever it had made and rethrows. */
        public TestSite start() {
            if (!installed && (!usernames.isEmpty() || !apiKeys.isEmpty())) {
                throw new IllegalStateException("users and API keys need installed()");
            }
            TestDatabase db = givenDb;
            boolean ownsDatabase = false;
            App app = null;
            WebServer server = null;
            try {
                if (db == null && dbEnv == null) {
                    db = TestDatabase.create(kind);
                    ownsDatabase = true;
                }
                Map<String, String> env = Map.copyOf(db != null ? TestApps.env(db, extra) : TestApps.env(dbEnv, extra));
                app = App.wire(TestApps.config(env));
                app.migrate();
                RequestContext system = app.systemContext(app.defaultTenant());
                Map<String, UserView> users = new LinkedHashMap<>();
                Map<String, String> keys = new LinkedHashMap<>();
                if (installed) {
                    users.put(
                            ADMIN,
                            app.installs().install(system, new InstallCommand(ADMIN, ADMIN_EMAIL, ADMIN_PASSWORD)));
                    for (String username : usernames) {
                        users.put(
                                username,
                                app.accounts()
                                        .createUser(
                                                system,
                                                new CreateUser(
                                                        username,
                                                        username + "@example.com",
                                                        password(username),
                                                        Principal.Role.USER)));
                    }
                    for (String[] key : apiKeys) {
                        if (keys.put(key[0], app.accounts().createApiKey(system, key[0], key[1])) != null) {
                            throw new IllegalStateException("one API key per user: " + key[0]);
                        }
                    }
                }
                int port = 0;
                if (serving) {
                    server = app.webServer();
                    port = server.start();
                }
                return new TestSite(db, ownsDatabase, env, app, Map.copyOf(users), Map.copyOf(keys), server, port);
            } catch (RuntimeException | Error e) {
                if (server != null) {
                    server.stop();
                }
                if (app != null) {
                    app.close();
                }
                if (ownsDatabase) {
                    db.close();
                }
                throw e;
            }
        }
    }

    /** The password of a user added with {@link Builder#user}, or of the administrator. */
    public static String password(String username) {
        return ADMIN.equals(username) ? ADMIN_PASSWORD : username + "'s long password";
    }

    public App app() {
        return app;
    }

    /** The database; null for a site made with {@link #onDatabase}. */
    public TestDatabase db() {
        return db;
    }

    /** The app's whole environment (unmodifiable): the database, the data dir and what the builder set. */
    public Map<String, String> env() {
        return env;
    }

    public Path dataDir() {
        return TestApps.dataDir(env);
    }

    /** Where the site's files are stored: {@code <data>/files/default}. */
    public Path files() {
        return dataDir().resolve("files").resolve("default");
    }

    /**
     * A system context (CLI and jobs) on the site, made now: like every context this class makes, it carries the
     * tenant's current runtime, so a settings change made before is seen (one made after is not: make a new one).
     */
    public RequestContext system() {
        return app.systemContext(app.defaultTenant());
    }

    /** A guest's request from {@code clientIp}. */
    public RequestContext guest(String clientIp) {
        return new RequestContext(app.defaultTenant(), Principal.GUEST, "test", clientIp);
    }

    /** The request context of a signed-in user made by the builder (or the administrator). */
    public RequestContext as(String username) {
        UserView user = user(username);
        return system().withPrincipal(new Principal.User(user.id(), user.username(), user.role(), null));
    }

    /** A user made by the builder, or the administrator. */
    public UserView user(String username) {
        UserView user = users.get(username);
        if (user == null) {
            throw new IllegalArgumentException("no user " + username + " was made for this site");
        }
        return user;
    }

    /** The API key made for {@code username} by {@link Builder#apiKey}. */
    public String key(String username) {
        String key = keys.get(username);
        if (key == null) {
            throw new IllegalArgumentException("no API key was made for " + username);
        }
        return key;
    }

    /** The site's jOOQ handle on its tables (unprefixed names), for assertions on what was stored. */
    public DSLContext dsl() {
        return app.defaultTenant().db().dsl();
    }

    /** The port the web server listens on; needs {@link Builder#serving()}. */
    public int port() {
        if (server == null) {
            throw new IllegalStateException("the site was not built serving()");
        }
        return port;
    }

    /** {@code http://127.0.0.1:<port>}; needs {@link Builder#serving()}. */
    public String base() {
        return "http://127.0.0.1:" + port();
    }

    /**
     * Stops the server and closes the app but keeps the database and the data dir, for a test that serves the site
     * from another process next ({@link ServeProcess} with {@link #env()}). {@link #close()} still drops the
     * database.
     */
    public void closeApp() {
        if (appClosed) {
            return;
        }
        appClosed = true;
        stopServer();
        app.close();
    }

    /**
     * Stops the web server (it waits for requests in progress), keeping the app open: for a test that checks what
     * requests left behind once none can still be running.
     */
    public void stopServer() {
        if (server != null && !serverStopped) {
            serverStopped = true;
            server.stop();
        }
    }

    @Override
    public void close() {
        try {
            closeApp();
        } finally {
            if (ownsDatabase) {
                db.close();
            }
        }
    }
}
