package dev.tesela.platform.db;

import dev.tesela.platform.config.TeselaConfig;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database servers of an installation: the default one (TESELA_DB_URL, which also holds the control plane) and
 * the named ones of TESELA_DB_SERVERS. One connection pool per server, shared by every tenant placed on it; a named
 * server's pool opens on first use, so a server nobody is placed on costs nothing. Thread-safe.
 */
public final class DatabaseServers implements AutoCloseable {
    private final Database primary;
    private final Map<String, TeselaConfig.DbServer> configured;
    private final Map<String, Database> open = new ConcurrentHashMap<>();

    public DatabaseServers(Database primary, Map<String, TeselaConfig.DbServer> configured) {
        this.primary = primary;
        this.configured = Map.copyOf(configured);
    }

    /** The default server. */
    public Database primary() {
        return primary;
    }

    /** True when {@code name} is the default server or one of TESELA_DB_SERVERS. */
    public boolean exists(String name) {
        return TenantPlacement.DEFAULT_SERVER.equals(name) || configured.containsKey(name);
    }

    /** Every server name, the default one included, sorted. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>(configured.keySet());
        names.add(TenantPlacement.DEFAULT_SERVER);
        return names;
    }

    /** The server called {@code name}; IllegalArgumentException when there is none (callers validate names first). */
    public Database server(String name) {
        if (TenantPlacement.DEFAULT_SERVER.equals(name)) {
            return primary;
        }
        TeselaConfig.DbServer server = configured.get(name);
        if (server == null) {
            throw new IllegalArgumentException("no database server named '" + name + "' (TESELA_DB_SERVERS)");
        }
        return open.computeIfAbsent(
                name,
                n -> new Database(
                        new TeselaConfig.Db(
                                server.url(),
                                server.user(),
                                server.password(),
                                "",
                                server.poolSize(),
                                false,
                                Map.of(),
                                primary.config().poolWait()),
                        "tesela-db-" + n));
    }

    /** Closes the named servers' pools (the default one belongs to its creator). */
    @Override
    public void close() {
        open.values().forEach(Database::close);
        open.clear();
    }
}
