package dev.tesela.platform.db;

import com.zaxxer.hikari.HikariConfig;
import dev.tesela.platform.config.TeselaConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.conf.MappedSchema;
import org.jooq.conf.MappedTable;
import org.jooq.conf.RenderMapping;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * One database server: a connection pool and a DSLContext per table prefix (and database, for tenants with a
 * database of their own). The DSLContext for a prefix renders every known table name with that prefix, and with
 * the database name in front when there is one, which is how tenant isolation reaches SQL: one pool serves every
 * tenant on the server, whichever database its tables are in. The pool opens on the first query, not when this is
 * made. Thread-safe.
 */
public final class Database implements AutoCloseable {
    private static final Pattern TENANT_TABLES = tableNames(SchemaTables.TENANT);
    private static final Pattern CONTROL_TABLES = tableNames(SchemaTables.CONTROL);

    private final Vendor vendor;
    private final TeselaConfig.Db config;
    /** Made on the first request for a connection: see {@link LazyPool}. */
    private final LazyPool pool;
    /** {@link #pool} as every caller sees it: patient until the first connection, see {@link FirstConnectionPatience}. */
    private final DataSource dataSource;

    private final Map<String, DSLContext> byPrefix = new ConcurrentHashMap<>();

    /**
     * Socket read timeout added to MariaDB/MySQL and PostgreSQL URLs that set none: the longest one statement waits
     * on a server that stopped answering without closing its connections (a crashed host, a partition). A server
     * that stops or restarts closes them, which fails at once. Generous, because migrations run long statements.
     */
    static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);
    /** How long the very first connection may take (start-up, migrations, CLI), whatever the pool wait. */
    static final Duration START_PATIENCE = Duration.ofSeconds(10);

    public Database(TeselaConfig.Db config, String poolName) {
        this.vendor = Vendor.fromJdbcUrl(config.url());
        this.config = config;
        long waitMillis = config.poolWait().toMillis();
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(poolName);
        hikari.setJdbcUrl(withTimeouts(config.url(), config.poolWait()));
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        // A request waits this long for a connection, busy pool or unreachable server alike; then it is a 503.
        hikari.setConnectionTimeout(waitMillis);
        // The liveness check of an idle connection before it is handed out must fit inside that wait (min 250 ms).
        hikari.setValidationTimeout(Math.max(250, Math.min(1000, waitMillis / 2)));
        hikari.setInitializationFailTimeout(-1);
        this.pool = new LazyPool(hikari);
        this.dataSource = new FirstConnectionPatience(pool, START_PATIENCE);
    }

    /**
     * {@code url} with the driver's connect and socket timeouts added where it sets none, so that a server that is
     * down or hung cannot hold a request longer than the pool wait (connecting) or {@link #DEFAULT_SOCKET_TIMEOUT}
     * (a statement). MariaDB/MySQL take milliseconds, PostgreSQL seconds; H2 is embedded and needs neither. A value
     * the operator wrote in the URL is kept.
     */
    static String withTimeouts(String url, Duration connectWait) {
        Vendor vendor = Vendor.fromJdbcUrl(url);
        String connect;
        String socket;
        switch (vendor) {
            case POSTGRES -> {
                connect = Long.toString(Math.max(1, connectWait.toSeconds()));
                socket = Long.toString(DEFAULT_SOCKET_TIMEOUT.toSeconds());
            }
            case MARIADB, MYSQL -> {
                connect = Long.toString(connectWait.toMillis());
                socket = Long.toString(DEFAULT_SOCKET_TIMEOUT.toMillis());
            }
            default -> {
                return url;
            }
        }
        StringBuilder out = new StringBuilder(url);
        if (!hasParameter(url, "connectTimeout")) {
            out.append(out.indexOf("?") < 0 ? '?' : '&')
                    .append("connectTimeout=")
                    .append(connect);
        }
        if (!hasParameter(url, "socketTimeout")) {
            out.append(out.indexOf("?") < 0 ? '?' : '&')
                    .append("socketTimeout=")
                    .append(socket);
        }
        return out.toString();
    }

    private static boolean hasParameter(String url, String name) {
        int query = url.indexOf('?');
        if (query < 0) {
            return false;
        }
        for (String pair : url.substring(query + 1).split("&")) {
            if (pair.regionMatches(true, 0, name + "=", 0, name.length() + 1)) {
                return true;
            }
        }
        return false;
    }

    /** True once the pool was opened (something asked for a connection). */
    public boolean opened() {
        return pool.opened();
    }

    public Vendor vendor() {
        return vendor;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** The DSLContext whose tenant tables carry {@code prefix}, in the connection's database. Cached; cheap per request. */
    public DSLContext tenantDsl(String prefix) {
        return tenantDsl(null, prefix);
    }

    /**
     * The DSLContext whose tenant tables carry {@code prefix} and live in {@code database} (null: the connection's
     * own database). Cached; cheap to call per request.
     */
    public DSLContext tenantDsl(String database, String prefix) {
        String key = database == null ? "t:" + prefix : "d:" + database + ":" + prefix;
        return byPrefix.computeIfAbsent(key, k -> dsl(SchemaTables.TENANT_SCHEMA, database, prefix, TENANT_TABLES));
    }

    /** The DSLContext for control-plane tables, which carry {@code rootPrefix}. */
    public DSLContext controlDsl(String rootPrefix) {
        return byPrefix.computeIfAbsent(
                "c:" + rootPrefix, k -> dsl(SchemaTables.CONTROL_SCHEMA, null, rootPrefix, CONTROL_TABLES));
    }

    /** The JDBC URL, user and password this server was opened with, for tools that need their own connections. */
    TeselaConfig.Db config() {
        return config;
    }

    /**
     * True when a connection can be had (within the pool wait) and answers within a second. Callers that need an
     * answer sooner run it with their own deadline (HealthRoutes does).
     */
    public boolean ping() {
        try (Connection c = pool.getConnection()) { // the pool wait, never the start-up patience
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * A DSLContext rendering the generated tables {@code names} (under {@code placeholderSchema}, see SchemaTables)
     * with {@code prefix}, in {@code database} or (null) the connection's own.
     */
    private DSLContext dsl(String placeholderSchema, String database, String prefix, Pattern names) {
        // Anchored: an unanchored ".*" also matches the empty string after the name, and would write the output twice.
        MappedSchema schema = new MappedSchema()
                .withInputExpression(Pattern.compile("^.*$"))
                .withTables(new MappedTable().withInputExpression(names).withOutput(prefix + "$1"));
        RenderMapping mapping = new RenderMapping();
        if (database != null) {
            // This renders the placeholder schema as the tenant's database.
            schema = schema.withOutput(database);
        } else {
            // In the shared database the placeholder schema is left out: tables resolve in the connection's database.
            mapping = mapping.withDefaultSchema(placeholderSchema);
        }
        Settings settings =
                new Settings().withRenderMapping(mapping.withSchemata(schema)).withExecuteLogging(false);
        return DSL.using(dataSource, vendor.dialect(), settings);
    }

    private static Pattern tableNames(List<String> tables) {
        return Pattern.compile("^(" + String.join("|", tables) + ")$");
    }

    @Override
    public void close() {
        pool.close();
    }
}
