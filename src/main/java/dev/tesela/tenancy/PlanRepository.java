package dev.tesela.tenancy;

import static dev.tesela.platform.db.schema.control.Tables.TENANT_PLANS;

import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.control.tables.records.TenantPlansRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/** Rows of the control plane's {@code tenant_plans} table; env stays sealed here. */
final class PlanRepository {
    record Row(String id, String limitsJson, byte[] envSealed, Instant createdAt, Instant updatedAt) {}

    private final DSLContext control;

    PlanRepository(DSLContext control) {
        this.control = control;
    }

    void insert(Row row) {
        control.insertInto(TENANT_PLANS)
                .set(TENANT_PLANS.ID, row.id())
                .set(TENANT_PLANS.LIMITS_JSON, row.limitsJson())
                .set(TENANT_PLANS.ENV_ENC, row.envSealed())
                .set(TENANT_PLANS.CREATED_AT, Times.utc(row.createdAt()))
                .set(TENANT_PLANS.UPDATED_AT, Times.utc(row.updatedAt()))
                .execute();
    }

    void update(Row row) {
        control.update(TENANT_PLANS)
                .set(TENANT_PLANS.LIMITS_JSON, row.limitsJson())
                .set(TENANT_PLANS.ENV_ENC, row.envSealed())
                .set(TENANT_PLANS.UPDATED_AT, Times.utc(row.updatedAt()))
                .where(TENANT_PLANS.ID.eq(row.id()))
                .execute();
    }

    boolean delete(String id) {
        return control.deleteFrom(TENANT_PLANS).where(TENANT_PLANS.ID.eq(id)).execute() > 0;
    }

    Optional<Row> byId(String id) {
        return control.selectFrom(TENANT_PLANS).where(TENANT_PLANS.ID.eq(id)).fetchOptional(PlanRepository::toRow);
    }

    List<Row> all() {
        return control.selectFrom(TENANT_PLANS).orderBy(TENANT_PLANS.ID).fetch(PlanRepository::toRow);
    }

    private static Row toRow(TenantPlansRecord r) {
        return new Row(
                r.getId(),
                r.getLimitsJson(),
                r.getEnvEnc(),
                Times.instant(r.getCreatedAt()),
                Times.instant(r.getUpdatedAt()));
    }
}
