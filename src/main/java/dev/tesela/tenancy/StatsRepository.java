package dev.tesela.tenancy;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.tesela.platform.db.Times;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/** The control plane's {@code tenant_stats}: one row of counters per tenant. */
final class StatsRepository {
    static final Table<Record> STATS = table(name("tenant_stats"));
    static final Field<String> TENANT_ID = field(name("tenant_id"), String.class);
    static final Field<LocalDateTime> UPDATED_AT = field(name("updated_at"), LocalDateTime.class);
    /** The counters, in the order the table and the CLI output list them. */
    static final List<String> COUNTERS = List.of("users", "admins", "managers", "files", "albums", "tags", "categories",
            "pages", "storages", "storage_used", "file_views", "file_likes", "album_views", "album_likes");

    private final DSLContext control;

    StatsRepository(DSLContext control) {
        this.control = control;
    }

    void put(String tenantId, Optional<Map<String, Long>> stats, Instant now) {
        control.transaction(tx -> {
            DSLContext t = tx.dsl();
            t.deleteFrom(STATS).where(TENANT_ID.eq(tenantId)).execute();
            if (stats.isPresent()) {
                var insert = t.insertInto(STATS).set(TENANT_ID, tenantId).set(UPDATED_AT, Times.utc(now));
                for (String counter : COUNTERS) {
                    insert = insert.set(field(name(counter), Long.class), stats.get().getOrDefault(counter, 0L));
                }
                insert.execute();
            }
        });
    }

    Optional<Map<String, Long>> get(String tenantId) {
        return control.selectFrom(STATS).where(TENANT_ID.eq(tenantId)).fetchOptional().map(r -> {
            Map<String, Long> out = new LinkedHashMap<>();
            for (String counter : COUNTERS) {
                out.put(counter, r.get(counter, Long.class));
            }
            return out;
        });
    }
}
