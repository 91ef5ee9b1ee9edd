package dev.tesela.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tesela.platform.config.TeselaConfig;
import java.sql.Connection;
import java.sql.SQLException;
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
 * One database server: a connection pool and a DSLContext per table prefix. The DSLContext for a prefix renders
 * every known table name with that prefix, which is how tenant isolation reaches SQL. Thread-safe.
 */
public final class Database implements AutoCloseable {
    private final Vendor vendor;
    private final HikariDataSource dataSource;
    private final Map<String, DSLContext> byPrefix = new ConcurrentHashMap<>();

    public Database(TeselaConfig.Db config, String poolName) {
        this.vendor = Vendor.fromJdbcUrl(config.url());
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(poolName);
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(-1);
        this.dataSource = new HikariDataSource(hikari);
    }

    public Vendor vendor() {
        return vendor;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** The DSLContext whose tenant tables carry {@code prefix}. Cached; cheap to call per request. */
    public DSLContext tenantDsl(String prefix) {
        return byPrefix.computeIfAbsent("t:" + prefix, k -> dsl(prefix, SchemaTables.TENANT));
    }

    /** The DSLContext for control-plane tables, which carry {@code rootPrefix}. */
    public DSLContext controlDsl(String rootPrefix) {
        return byPrefix.computeIfAbsent("c:" + rootPrefix, k -> dsl(rootPrefix, SchemaTables.CONTROL));
    }

    /** True when a connection can be had and answers within two seconds. */
    public boolean ping() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private DSLContext dsl(String prefix, List<String> tables) {
        Pattern names = Pattern.compile("^(" + String.join("|", tables) + ")$");
        Settings settings = new Settings()
                .withRenderMapping(new RenderMapping().withSchemata(new MappedSchema()
                        .withInputExpression(Pattern.compile(".*"))
                        .withTables(new MappedTable().withInputExpression(names).withOutput(prefix + "$1"))))
                .withExecuteLogging(false);
        return DSL.using(dataSource, vendor.dialect(), settings);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
