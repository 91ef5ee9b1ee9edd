package dev.tesela.tenancy;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.replace;
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

/** Rows of the control plane's {@code tenants} table. Env values stay sealed here; the registry opens them. */
final class TenantRepository {
    static final Table<Record> TENANTS = table(name("tenants"));
    static final Field<String> ID = field(name("id"), String.class);
    static final Field<String> HOSTNAME = field(name("hostname"), String.class);
    static final Field<String> PLAN_ID = field(name("plan_id"), String.class);
    static final Field<String> LIMITS_JSON = field(name("limits_json"), String.class);
    static final Field<byte[]> ENV_ENC = field(name("env_enc"), byte[].class);
    static final Field<Boolean> IS_ENABLED = field(name("is_enabled"), Boolean.class);
    static final Field<LocalDateTime> CREATED_AT = field(name("created_at"), LocalDateTime.class);
    static final Field<LocalDateTime> UPDATED_AT = field(name("updated_at"), LocalDateTime.class);
    static final Field<LocalDateTime> LAST_JOB_AT = field(name("last_job_at"), LocalDateTime.class);
    static final Field<String> DB_ISOLATION = field(name("db_isolation"), String.class);
    static final Field<String> DB_SERVER = field(name("db_server"), String.class);
    static final Field<String> DB_NAME = field(name("db_name"), String.class);

    /**
     * A stored row; {@code envSealed} is null when the tenant has no env. {@code placement} is where its tables are,
     * fixed at provisioning: isolation {@code table} (or null, rows from before database isolation) keeps them in
     * the shared database; {@code database} puts them in database {@code dbName} on server {@code dbServer}.
     */
    record Row(String id, String hostname, String planId, String limitsJson, byte[] envSealed, boolean enabled,
               Instant createdAt, Instant updatedAt, Instant lastJobAt, Placement placement) {}

    /** The placement columns of a row. */
    record Placement(String isolation, String dbServer, String dbName) {
        static final Placement TABLE = new Placement("table", null, null);

        boolean ownDatabase() {
            return "database".equals(isolation);
        }
    }

    private static final List<Field<?>> COLUMNS = List.of(ID, HOSTNAME, PLAN_ID, LIMITS_JSON, ENV_ENC, IS_ENABLED,
            CREATED_AT, UPDATED_AT, LAST_JOB_AT, DB_ISOLATION, DB_SERVER, DB_NAME);

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
        return control.update(TENANTS).set(LAST_JOB_AT, Times.utc(now))
                .where(ID.eq(id).and(IS_ENABLED.isTrue())
                        .and(LAST_JOB_AT.isNull().or(LAST_JOB_AT.le(Times.utc(dueBefore)))))
                .execute() == 1;
    }

    void insert(Row row) {
        control.insertInto(TENANTS)
                .set(ID, row.id())
                .set(HOSTNAME, row.hostname())
                .set(PLAN_ID, row.planId())
                .set(LIMITS_JSON, row.limitsJson())
                .set(ENV_ENC, row.envSealed())
                .set(IS_ENABLED, row.enabled())
                .set(CREATED_AT, Times.utc(row.createdAt()))
                .set(UPDATED_AT, Times.utc(row.updatedAt()))
                .set(DB_ISOLATION, row.placement().isolation())
                .set(DB_SERVER, row.placement().dbServer())
                .set(DB_NAME, row.placement().dbName())
                .execute();
    }

    /** Updates what may change after provisioning (never the placement). */
    void update(Row row) {
        control.update(TENANTS)
                .set(HOSTNAME, row.hostname())
                .set(PLAN_ID, row.planId())
                .set(LIMITS_JSON, row.limitsJson())
                .set(ENV_ENC, row.envSealed())
                .set(IS_ENABLED, row.enabled())
                .set(UPDATED_AT, Times.utc(row.updatedAt()))
                .where(ID.eq(row.id()))
                .execute();
    }

    boolean delete(String id) {
        return control.deleteFrom(TENANTS).where(ID.eq(id)).execute() > 0;
    }

    Optional<Row> byId(String id) {
        return control.select(COLUMNS)
                .from(TENANTS).where(ID.eq(id)).fetchOptional(TenantRepository::toRow);
    }

    Optional<Row> byHostname(String hostname) {
        return control.select(COLUMNS)
                .from(TENANTS).where(HOSTNAME.eq(hostname)).fetchOptional(TenantRepository::toRow);
    }

    List<Row> all() {
        return control.select(COLUMNS)
                .from(TENANTS).orderBy(ID).fetch(TenantRepository::toRow);
    }

    /** True when a tenant's id, written as in table names ('-' as '_'), is {@code tableSafeId}: they would share tables. */
    boolean tableNameTaken(String tableSafeId) {
        return control.fetchExists(TENANTS, replace(ID, "-", "_").eq(tableSafeId));
    }

    /** True when a tenant already has database {@code dbName} on server {@code dbServer}. */
    boolean databaseTaken(String dbServer, String dbName) {
        return control.fetchExists(TENANTS, DB_SERVER.eq(dbServer).and(DB_NAME.eq(dbName)));
    }

    boolean hostnameTakenByOther(String hostname, String id) {
        return control.fetchExists(TENANTS, HOSTNAME.eq(hostname).and(ID.ne(id)));
    }

    private static Row toRow(Record r) {
        String isolation = r.get(DB_ISOLATION);
        Placement placement = isolation == null ? Placement.TABLE : new Placement(isolation, r.get(DB_SERVER), r.get(DB_NAME));
        return new Row(r.get(ID), r.get(HOSTNAME), r.get(PLAN_ID), r.get(LIMITS_JSON), r.get(ENV_ENC), Boolean.TRUE.equals(r.get(IS_ENABLED)),
                Times.instant(r.get(CREATED_AT)), Times.instant(r.get(UPDATED_AT)), Times.instant(r.get(LAST_JOB_AT)), placement);
    }
}
