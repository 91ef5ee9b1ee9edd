package dev.tesela.media;

import static dev.tesela.platform.db.schema.tenant.Tables.ALBUMS;
import static dev.tesela.platform.db.schema.tenant.Tables.CATEGORIES;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.IMAGE_VARIANTS;
import static dev.tesela.platform.db.schema.tenant.Tables.STORAGES;
import static dev.tesela.platform.db.schema.tenant.Tables.TAGS;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.inline;
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
        into.put("files", (long) dsl.fetchCount(IMAGES));
        into.put("albums", (long) dsl.fetchCount(ALBUMS));
        into.put("tags", (long) dsl.fetchCount(TAGS));
        into.put("categories", (long) dsl.fetchCount(CATEGORIES));
        into.put("storages", (long) dsl.fetchCount(STORAGES));
        var images = dsl.select(sumOf(IMAGES.BYTE_SIZE), sumOf(IMAGES.VIEWS), sumOf(IMAGES.LIKES))
                .from(IMAGES)
                .fetchSingle();
        long variants = dsl.select(sumOf(IMAGE_VARIANTS.BYTE_SIZE))
                .from(IMAGE_VARIANTS)
                .fetchSingle()
                .value1()
                .longValue();
        into.put("storage_used", images.value1().longValue() + variants);
        into.put("file_views", images.value2().longValue());
        into.put("file_likes", images.value3().longValue());
        var albums = dsl.select(sumOf(ALBUMS.VIEWS), sumOf(ALBUMS.LIKES))
                .from(ALBUMS)
                .fetchSingle();
        into.put("album_views", albums.value1().longValue());
        into.put("album_likes", albums.value2().longValue());
    }

    private static Field<BigDecimal> sumOf(Field<Long> column) {
        return coalesce(sum(column), inline(BigDecimal.ZERO));
    }
}
