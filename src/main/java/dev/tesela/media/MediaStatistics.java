package dev.tesela.media;

import static dev.tesela.platform.db.SchemaTables.tenantTable;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.sum;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.jobs.TenantStatistics;
import java.math.BigDecimal;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Field;

/**
 * The media feature's counters for a tenant's statistics: files, albums, tags, categories and storages, bytes
 * stored (files and their variants), views and likes. One short read-only query per counter group.
 */
public final class MediaStatistics implements TenantStatistics {

    @Override
    public void count(RequestContext rc, Map<String, Long> into) {
        DSLContext dsl = rc.db().dsl();
        into.put("files", (long) dsl.fetchCount(tenantTable("images")));
        into.put("albums", (long) dsl.fetchCount(tenantTable("albums")));
        into.put("tags", (long) dsl.fetchCount(tenantTable("tags")));
        into.put("categories", (long) dsl.fetchCount(tenantTable("categories")));
        into.put("storages", (long) dsl.fetchCount(tenantTable("storages")));
        var images = dsl.select(sumOf("byte_size"), sumOf("views"), sumOf("likes")).from(tenantTable("images")).fetchSingle();
        long variants = dsl.select(sumOf("byte_size")).from(tenantTable("image_variants")).fetchSingle().value1().longValue();
        into.put("storage_used", images.value1().longValue() + variants);
        into.put("file_views", images.value2().longValue());
        into.put("file_likes", images.value3().longValue());
        var albums = dsl.select(sumOf("views"), sumOf("likes")).from(tenantTable("albums")).fetchSingle();
        into.put("album_views", albums.value1().longValue());
        into.put("album_likes", albums.value2().longValue());
    }

    private static Field<BigDecimal> sumOf(String column) {
        return coalesce(sum(field(name(column), Long.class)), inline(BigDecimal.ZERO));
    }
}
