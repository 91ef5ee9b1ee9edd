package dev.tesela.platform.db;

import java.util.List;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The unprefixed names of the tables each schema's migrations create. jOOQ maps exactly these names to their
 * prefixed form, so a query names {@code users} and runs against {@code tsl_users} or {@code tsl_acme_users}.
 * SchemaTablesTest checks these lists against what the migrations really create.
 */
public final class SchemaTables {
    public static final List<String> TENANT = List.of(
            "users", "login_passwords", "login_cookies", "sessions", "api_keys", "settings", "variables",
            "storages", "images", "image_variants", "albums", "categories", "tags", "image_tags", "likes",
            "follows", "notifications", "ip_bans", "requests", "stats", "locks", "pages", "deletions", "blob_deletions");

    public static final List<String> CONTROL = List.of(
            "tenant_plans", "tenants", "tenant_stats", "tenant_api_keys", "control_variables");

    /**
     * The schema name tenant tables are written under in queries. It is never a real schema: the tenant's
     * DSLContext renders it as the tenant's own database, or leaves it out for tables in the shared database.
     * (Repositories must qualify tenant tables with it: jOOQ leaves the schema out of a MySQL/MariaDB DELETE
     * whose table has none, which would send the statement to the connection's database.)
     */
    public static final String TENANT_SCHEMA = "tenant";

    /** The tenant table {@code name} (one of {@link #TENANT}), as repositories name it. */
    public static Table<Record> tenantTable(String name) {
        if (!TENANT.contains(name)) {
            throw new IllegalArgumentException("not a tenant table: " + name);
        }
        return DSL.table(DSL.name(TENANT_SCHEMA, name));
    }

    private SchemaTables() {}
}
