package dev.tesela.platform.db;

import java.util.Objects;

/**
 * Where one tenant's tables live: on database {@code server} (a name from TESELA_DB_SERVERS, or
 * {@value #DEFAULT_SERVER} for TESELA_DB_URL), in {@code database} when the tenant has a database of its own
 * (null: the server's shared database), with table names starting with {@code tablePrefix}. Fixed when the tenant
 * is provisioned. Only the data layer reads it; services reach tables through the DSLContext it selects.
 *
 * <p>"Database" is MariaDB's and MySQL's word; in PostgreSQL and H2 the same thing is a schema, and that is what a
 * tenant's own database is there (a PostgreSQL connection cannot change database, so a pool per server could not
 * serve tenants in separate PostgreSQL databases).
 */
public record TenantPlacement(String server, String database, String tablePrefix) {
    public static final String DEFAULT_SERVER = "default";

    public TenantPlacement {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(tablePrefix, "tablePrefix");
    }

    /** Tables under {@code tablePrefix} in the default server's shared database (table isolation, single site). */
    public static TenantPlacement shared(String tablePrefix) {
        return new TenantPlacement(DEFAULT_SERVER, null, tablePrefix);
    }

    /** True when the tenant has a database of its own. */
    public boolean ownDatabase() {
        return database != null;
    }
}
