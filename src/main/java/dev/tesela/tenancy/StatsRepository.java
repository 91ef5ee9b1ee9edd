package dev.tesela.tenancy;

import static dev.tesela.platform.db.schema.control.Tables.TENANT_STATS;

import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.control.tables.records.TenantStatsRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.TableField;

/** The control plane's {@code tenant_stats}: one row of counters per tenant, keyed by the counters' column names. */
final class StatsRepository {
    /** The counters, in the order the CLI output lists them. */
    static final List<TableField<TenantStatsRecord, Long>> COUNTERS = List.of(
            TENANT_STATS.USERS,
            TENANT_STATS.ADMINS,
            TENANT_STATS.MANAGERS,
            TENANT_STATS.FILES,
            TENANT_STATS.ALBUMS,
            TENANT_STATS.TAGS,
            TENANT_STATS.CATEGORIES,
            TENANT_STATS.PAGES,
            TENANT_STATS.STORAGES,
            TENANT_STATS.STORAGE_USED,
            TENANT_STATS.FILE_VIEWS,
            TENANT_STATS.FILE_LIKES,
            TENANT_STATS.ALBUM_VIEWS,
            TENANT_STATS.ALBUM_LIKES);

    private final DSLContext control;

    StatsRepository(DSLContext control) {
        this.control = control;
    }

    void put(String tenantId, Optional<Map<String, Long>> stats, Instant now) {
        control.transaction(tx -> {
            DSLContext t = tx.dsl();
            t.deleteFrom(TENANT_STATS)
                    .where(TENANT_STATS.TENANT_ID.eq(tenantId))
                    .execute();
            if (stats.isPresent()) {
                var insert = t.insertInto(TENANT_STATS)
                        .set(TENANT_STATS.TENANT_ID, tenantId)
                        .set(TENANT_STATS.UPDATED_AT, Times.utc(now));
                for (TableField<TenantStatsRecord, Long> counter : COUNTERS) {
                    insert = insert.set(counter, stats.get().getOrDefault(counter.getName(), 0L));
                }
                insert.execute();
            }
        });
    }

    Optional<Map<String, Long>> get(String tenantId) {
        return control.selectFrom(TENANT_STATS)
                .where(TENANT_STATS.TENANT_ID.eq(tenantId))
                .fetchOptional()
                .map(r -> {
                    Map<String, Long> out = new LinkedHashMap<>();
                    for (TableField<TenantStatsRecord, Long> counter : COUNTERS) {
                        out.put(counter.getName(), r.get(counter));
                    }
                    return out;
                });
    }
}
