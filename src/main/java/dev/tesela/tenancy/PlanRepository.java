package dev.tesela.tenancy;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.tesela.platform.db.Times;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/** Rows of the control plane's {@code tenant_plans} table; env stays sealed here. */
final class PlanRepository {
    static final Table<Record> PLANS = table(name("tenant_plans"));
    static final Field<String> ID = field(name("id"), String.class);
    static final Field<String> LIMITS_JSON = field(name("limits_json"), String.class);
    static final Field<byte[]> ENV_ENC = field(name("env_enc"), byte[].class);
    static final Field<LocalDateTime> CREATED_AT = field(name("created_at"), LocalDateTime.class);
    static final Field<LocalDateTime> UPDATED_AT = field(name("updated_at"), LocalDateTime.class);

    record Row(String id, String limitsJson, byte[] envSealed, Instant createdAt, Instant updatedAt) {}

    private final DSLContext control;

    PlanRepository(DSLContext control) {
        this.control = control;
    }

    void insert(Row row) {
        control.insertInto(PLANS).set(ID, row.id()).set(LIMITS_JSON, row.limitsJson()).set(ENV_ENC, row.envSealed())
                .set(CREATED_AT, Times.utc(row.createdAt())).set(UPDATED_AT, Times.utc(row.updatedAt())).execute();
    }

    void update(Row row) {
        control.update(PLANS).set(LIMITS_JSON, row.limitsJson()).set(ENV_ENC, row.envSealed())
                .set(UPDATED_AT, Times.utc(row.updatedAt())).where(ID.eq(row.id())).execute();
    }

    boolean delete(String id) {
        return control.deleteFrom(PLANS).where(ID.eq(id)).execute() > 0;
    }

    Optional<Row> byId(String id) {
        return control.select(ID, LIMITS_JSON, ENV_ENC, CREATED_AT, UPDATED_AT).from(PLANS).where(ID.eq(id))
                .fetchOptional(r -> new Row(r.value1(), r.value2(), r.value3(), Times.instant(r.value4()), Times.instant(r.value5())));
    }

    List<Row> all() {
        return control.select(ID, LIMITS_JSON, ENV_ENC, CREATED_AT, UPDATED_AT).from(PLANS).orderBy(ID)
                .fetch(r -> new Row(r.value1(), r.value2(), r.value3(), Times.instant(r.value4()), Times.instant(r.value5())));
    }
}
