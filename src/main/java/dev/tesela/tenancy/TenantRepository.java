package dev.tesela.tenancy;

import static dev.tesela.platform.db.schema.control.Tables.TENANTS;
import static org.jooq.impl.DSL.replace;

import dev.tesela.platform.db.Times;
import dev.tesela.platform.db.schema.control.tables.records.TenantsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/** Rows of the control plane's {@code tenants} table. Env values stay sealed here; the registry opens them. */
final class TenantRepository {
    /**
     * A stored row; {@code envSealed} is null when the tenant has no env. {@code placement} is where its tables are,
     * fixed at provisioning: isolation {@code table} (or null, rows from before database isolation) keeps them in
     * the shared database; {@code database} puts them in database {@code dbName} on server {@code dbServer}.
     */
    record Row(
            String id,
            String hostname,
            String planId,
            String limitsJson,
            byte[] envSealed,
            boolean enabled,
            Instant createdAt,
            Instant updatedAt,
            Instant lastJobAt,
            Placement placement) {}

    /** The placement columns of a row. */
    record Placement(String isolation, String dbServer, String dbName) {
        static final Placement TABLE = new Placement("table", null, null);

        boolean ownDatabase() {
            return "database".equals(isolation);
        }
    }

    private final DSLContext control;

    TenantRepository(DSLContext control) {
        this.control = control;
    }

    DSLContext dsl() {
        return control;
    }

    /**
     * Claims the next job run of {@code id}: sets last_job_at to {@code now} only if it is unset or not after
     * {@code dueBefore}. One UPDATE, so of several instances trying at once exactly one gets true.
     */
    boolean claimJobRun(String id, Instant now, Instant dueBefore) {
        return control.update(TENANTS)
                        .set(TENANTS.LAST_JOB_AT, Times.utc(now))
                        .where(TENANTS.ID
                                .eq(id)
                                .and(TENANTS.IS_ENABLED.isTrue())
                                .and(TENANTS.LAST_JOB_AT.isNull().or(TENANTS.LAST_JOB_AT.le(Times.utc(dueBefore)))))
                        .execute()
                == 1;
    }

    void insert(Row row) {
        control.insertInto(TENANTS)
                .set(TENANTS.ID, row.id())
                .set(TENANTS.HOSTNAME, row.hostname())
                .set(TENANTS.PLAN_ID, row.planId())
                .set(TENANTS.LIMITS_JSON, row.limitsJson())
                .set(TENANTS.ENV_ENC, row.envSealed())
                .set(TENANTS.IS_ENABLED, row.enabled())
                .set(TENANTS.CREATED_AT, Times.utc(row.createdAt()))
                .set(TENANTS.UPDATED_AT, Times.utc(row.updatedAt()))
                .set(TENANTS.DB_ISOLATION, row.placement().isolation())
                .set(TENANTS.DB_SERVER, row.placement().dbServer())
                .set(TENANTS.DB_NAME, row.placement().dbName())
                .execute();
    }

    /** Updates what may change after provisioning (never the placement). */
    void update(Row row) {
        control.update(TENANTS)
                .set(TENANTS.HOSTNAME, row.hostname())
                .set(TENANTS.PLAN_ID, row.planId())
                .set(TENANTS.LIMITS_JSON, row.limitsJson())
                .set(TENANTS.ENV_ENC, row.envSealed())
                .set(TENANTS.IS_ENABLED, row.enabled())
                .set(TENANTS.UPDATED_AT, Times.utc(row.updatedAt()))
                .where(TENANTS.ID.eq(row.id()))
                .execute();
    }

    boolean delete(String id) {
        return control.deleteFrom(TENANTS).where(TENANTS.ID.eq(id)).execute() > 0;
    }

    Optional<Row> byId(String id) {
        return control.selectFrom(TENANTS).where(TENANTS.ID.eq(id)).fetchOptional(TenantRepository::toRow);
    }

    Optional<Row> byHostname(String hostname) {
        return control.selectFrom(TENANTS).where(TENANTS.HOSTNAME.eq(hostname)).fetchOptional(TenantRepository::toRow);
    }

    List<Row> all() {
        return control.selectFrom(TENANTS).orderBy(TENANTS.ID).fetch(TenantRepository::toRow);
    }

    /** True when a tenant's id, written as in table names ('-' as '_'), is {@code tableSafeId}: they would share tables. */
    boolean tableNameTaken(String tableSafeId) {
        return control.fetchExists(TENANTS, replace(TENANTS.ID, "-", "_").eq(tableSafeId));
    }

    /** True when a tenant already has database {@code dbName} on server {@code dbServer}. */
    boolean databaseTaken(String dbServer, String dbName) {
        return control.fetchExists(TENANTS, TENANTS.DB_SERVER.eq(dbServer).and(TENANTS.DB_NAME.eq(dbName)));
    }

    boolean hostnameTakenByOther(String hostname, String id) {
        return control.fetchExists(TENANTS, TENANTS.HOSTNAME.eq(hostname).and(TENANTS.ID.ne(id)));
    }

    private static Row toRow(TenantsRecord r) {
        String isolation = r.getDbIsolation();
        Placement placement =
                isolation == null ? Placement.TABLE : new Placement(isolation, r.getDbServer(), r.getDbName());
        return new Row(
                r.getId(),
                r.getHostname(),
                r.getPlanId(),
                r.getLimitsJson(),
                r.getEnvEnc(),
                Boolean.TRUE.equals(r.getIsEnabled()),
                Times.instant(r.getCreatedAt()),
                Times.instant(r.getUpdatedAt()),
                Times.instant(r.getLastJobAt()),
                placement);
    }
}
