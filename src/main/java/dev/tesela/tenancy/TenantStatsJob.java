package dev.tesela.tenancy;

import static dev.tesela.platform.db.SchemaTables.tenantTable;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.sum;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.jobs.TenantJob;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.jooq.DSLContext;
import org.jooq.Field;

/**
 * Refreshes a tenant's row in the control plane's {@code tenant_stats} from its own tables (users by role, files,
 * albums, tags, categories, pages, storages, bytes stored, views and likes). A tenant that is not installed has no
 * row. Read-only on the tenant's tables; one short query per counter group.
 */
public final class TenantStatsJob implements TenantJob {
    private final TenantDatabases databases;
    private final TenantRegistry registry;
    private final Predicate<RequestContext> installed;

    public TenantStatsJob(TenantDatabases databases, TenantRegistry registry, Predicate<RequestContext> installed) {
        this.databases = databases;
        this.registry = registry;
        this.installed = installed;
    }

    @Override
    public String name() {
        return "stats";
    }

    @Override
    public void run(RequestContext rc) {
        registry.putStats(rc.tenant().id(), installed.test(rc) ? Optional.of(count(databases.of(rc))) : Optional.empty());
    }

    static Map<String, Long> count(DSLContext dsl) {
        Map<String, Long> out = new LinkedHashMap<>();
        Field<String> role = field(n("role"), String.class);
        out.put("users", (long) dsl.fetchCount(tenantTable("users")));
        out.put("admins", (long) dsl.fetchCount(tenantTable("users"), role.eq("admin")));
        out.put("managers", (long) dsl.fetchCount(tenantTable("users"), role.eq("manager")));
        out.put("files", (long) dsl.fetchCount(tenantTable("images")));
        out.put("albums", (long) dsl.fetchCount(tenantTable("albums")));
        out.put("tags", (long) dsl.fetchCount(tenantTable("tags")));
        out.put("categories", (long) dsl.fetchCount(tenantTable("categories")));
        out.put("pages", (long) dsl.fetchCount(tenantTable("pages")));
        out.put("storages", (long) dsl.fetchCount(tenantTable("storages")));
        var images = dsl.select(sumOf("byte_size"), sumOf("views"), sumOf("likes")).from(tenantTable("images")).fetchSingle();
        long variants = dsl.select(sumOf("byte_size")).from(tenantTable("image_variants")).fetchSingle().value1().longValue();
        out.put("storage_used", images.value1().longValue() + variants);
        out.put("file_views", images.value2().longValue());
        out.put("file_likes", images.value3().longValue());
        var albums = dsl.select(sumOf("views"), sumOf("likes")).from(tenantTable("albums")).fetchSingle();
        out.put("album_views", albums.value1().longValue());
        out.put("album_likes", albums.value2().longValue());
        return out;
    }

    private static org.jooq.Name n(String identifier) {
        return org.jooq.impl.DSL.name(identifier);
    }

    private static Field<BigDecimal> sumOf(String column) {
        return coalesce(sum(field(n(column), Long.class)), inline(BigDecimal.ZERO));
    }
}
