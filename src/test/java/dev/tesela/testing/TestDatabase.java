package dev.tesela.testing;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.security.Crypto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A throwaway database on one vendor: an H2 file in a temp dir, or a freshly created database on the local
 * MariaDB / PostgreSQL server. {@link #close()} drops it. Use {@link #env()} to point TESELA_DB_* at it.
 */
public final class TestDatabase implements AutoCloseable {
    public enum Kind {
        H2,
        MARIADB,
        POSTGRES
    }

    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/";
    private static final String POSTGRES_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres";

    private final Kind kind;
    private final String url;
    private final String user;
    private final String name;
    private final Path h2Dir;

    private TestDatabase(Kind kind, String url, String user, String name, Path h2Dir) {
        this.kind = kind;
        this.url = url;
        this.user = user;
        this.name = name;
        this.h2Dir = h2Dir;
    }

    /** Creates a database of {@code kind}; skips the test (fails it in CI) when the server is unreachable. */
    public static TestDatabase create(Kind kind) {
        String name = "tesela_t_" + Crypto.randomBase62(10).toLowerCase(Locale.ROOT);
        try {
            return switch (kind) {
                case H2 -> {
                    Path dir = Files.createTempDirectory("tesela-h2-");
                    yield new TestDatabase(
                            kind,
                            "jdbc:h2:file:" + dir.resolve("db") + ";DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE",
                            "sa",
                            name,
                            dir);
                }
                case MARIADB -> {
                    admin(
                            MARIADB_ADMIN,
                            "root",
                            "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                    yield new TestDatabase(kind, MARIADB_ADMIN + name, "root", name, null);
                }
                case POSTGRES -> {
                    admin(POSTGRES_ADMIN, "postgres", "CREATE DATABASE " + name);
                    yield new TestDatabase(kind, "jdbc:postgresql://127.0.0.1:5432/" + name, "postgres", name, null);
                }
            };
        } catch (SQLException e) {
            Services.unavailable(kind.name(), e);
            throw new IllegalStateException("unreachable");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Kind kind() {
        return kind;
    }

    public String url() {
        return url;
    }

    public TeselaConfig.Db config(String tablePrefix) {
        return new TeselaConfig.Db(url, user, "", tablePrefix, 4, true);
    }

    /** TESELA_DB_* variables for this database. */
    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("TESELA_DB_URL", url);
        env.put("TESELA_DB_USER", user);
        env.put("TESELA_DB_POOL_SIZE", "4");
        return env;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, "");
    }

    @Override
    public void close() {
        try {
            switch (kind) {
                case H2 -> {
                    try (Connection c = connect();
                            Statement s = c.createStatement()) {
                        s.execute("SHUTDOWN");
                    } catch (SQLException alreadyClosed) {
                        // nothing to shut down
                    }
                    TestFiles.deleteTree(h2Dir);
                }
                case MARIADB -> {
                    for (String tenantDatabase : tenantDatabases()) {
                        admin(MARIADB_ADMIN, "root", "DROP DATABASE IF EXISTS " + tenantDatabase);
                    }
                    admin(MARIADB_ADMIN, "root", "DROP DATABASE IF EXISTS " + name);
                }
                case POSTGRES -> admin(POSTGRES_ADMIN, "postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("could not drop test database " + name, e);
        }
    }

    /**
     * The databases of the tenants in database isolation that any registry in this database lists (MariaDB keeps
     * them beside this one, so dropping this one would leave them behind; PostgreSQL and H2 keep them inside).
     */
    private List<String> tenantDatabases() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            List<String> registries = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + name + "' AND table_name LIKE '%\\_\\_tenants'")) {
                while (rs.next()) {
                    registries.add(rs.getString(1));
                }
            }
            for (String registry : registries) {
                try (ResultSet rs = s.executeQuery("SELECT db_name FROM " + registry + " WHERE db_name IS NOT NULL")) {
                    while (rs.next()) {
                        if (rs.getString(1).matches("[a-z][a-z0-9_]{0,62}")) {
                            names.add(rs.getString(1));
                        }
                    }
                } catch (SQLException olderSchema) {
                    // a registry from before database isolation has no such column, and no such databases
                }
            }
        }
        return names;
    }

    @Override
    public String toString() {
        return kind.name();
    }

    private static void admin(String url, String user, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
