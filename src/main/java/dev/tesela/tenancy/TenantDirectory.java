package dev.tesela.tenancy;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.context.TenantResolver;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.Times;
import dev.tesela.platform.security.Crypto;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.exception.IntegrityConstraintViolationException;

/**
 * The tenant registry as seen by the rest of the app. A single-site installation is the one tenant
 * {@value TenantContext#DEFAULT_ID}, registered in the control plane like any other, whose tables carry the
 * configured prefix; every host name resolves to it. Provider mode (hostname routing, many tenants) builds on
 * this same registry.
 */
public final class TenantDirectory implements TenantResolver {
    private static final Table<Record> TENANTS = table(name("tenants"));
    private static final Field<String> ID = field(name("id"), String.class);
    private static final Field<String> HOSTNAME = field(name("hostname"), String.class);
    private static final Field<Boolean> IS_ENABLED = field(name("is_enabled"), Boolean.class);
    private static final Field<LocalDateTime> CREATED_AT = field(name("created_at"), LocalDateTime.class);
    private static final Field<LocalDateTime> UPDATED_AT = field(name("updated_at"), LocalDateTime.class);

    private final DSLContext control;
    private final byte[] masterKey;
    private final TenantContext defaultTenant;
    private final Clock clock;

    /**
     * @param rootPrefix     prefix of the control-plane tables
     * @param defaultPrefix  prefix of the single-site tenant's tables
     */
    public TenantDirectory(Database database, String rootPrefix, String defaultPrefix, byte[] masterKey, Clock clock) {
        this.control = database.controlDsl(rootPrefix);
        this.masterKey = masterKey.clone();
        this.clock = clock;
        this.defaultTenant = new TenantContext(TenantContext.DEFAULT_ID, defaultPrefix, keysFor(TenantContext.DEFAULT_ID));
    }

    /** Registers the single-site tenant in the control plane if it is not there yet. Idempotent. */
    public void registerDefaultTenant(String hostname) {
        boolean exists = control.fetchExists(TENANTS, ID.eq(TenantContext.DEFAULT_ID));
        if (!exists) {
            LocalDateTime now = Times.utc(clock.instant());
            try {
                control.insertInto(TENANTS)
                        .set(ID, TenantContext.DEFAULT_ID)
                        .set(HOSTNAME, hostname)
                        .set(IS_ENABLED, true)
                        .set(CREATED_AT, now)
                        .set(UPDATED_AT, now)
                        .execute();
            } catch (IntegrityConstraintViolationException registeredConcurrently) {
                // Another process (a second instance or the CLI) registered it between the check and the insert.
            }
        }
    }

    public TenantContext defaultTenant() {
        return defaultTenant;
    }

    /** The tenant a CLI command names with --tenant / TESELA_TENANT; only the default one in single-site mode. */
    public Optional<TenantContext> byId(String id) {
        return TenantContext.DEFAULT_ID.equals(id) ? Optional.of(defaultTenant) : Optional.empty();
    }

    @Override
    public Optional<TenantContext> resolve(String hostname) {
        return Optional.of(defaultTenant);
    }

    /** Keys for {@code tenantId}, derived from the installation's master key; differ for every tenant. */
    TenantKeys keysFor(String tenantId) {
        return new TenantKeys(
                Crypto.hkdf(masterKey, "tesela/" + tenantId + "/csrf", 32),
                Crypto.hkdf(masterKey, "tesela/" + tenantId + "/tokens", 32),
                Crypto.hkdf(masterKey, "tesela/" + tenantId + "/sessions", 32));
    }
}
