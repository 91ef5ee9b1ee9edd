package dev.tesela.platform.db;

import java.util.List;

/**
 * The unprefixed names of the tables each schema's migrations create. jOOQ maps exactly these names to their
 * prefixed form, so a query names {@code users} and runs against {@code tsl_users} or {@code tsl_acme_users}.
 * SchemaTablesTest checks these lists against what the migrations really create.
 */
public final class SchemaTables {
    public static final List<String> TENANT = List.of(
            "users", "login_passwords", "login_cookies", "sessions", "api_keys", "settings", "variables",
            "storages", "images", "image_variants", "albums", "categories", "tags", "image_tags", "likes",
            "follows", "notifications", "ip_bans", "requests", "stats", "locks", "pages", "deletions");

    public static final List<String> CONTROL = List.of(
            "tenant_plans", "tenants", "tenant_stats", "tenant_api_keys", "control_variables");

    private SchemaTables() {}
}
