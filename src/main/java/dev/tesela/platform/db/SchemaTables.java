package dev.tesela.platform.db;

import dev.tesela.platform.db.schema.control.Control;
import dev.tesela.platform.db.schema.tenant.Tenant;
import java.util.List;
import org.jooq.Schema;
import org.jooq.Table;

/**
 * The tables of each schema, as jOOQ's code generator found them in the migrations at build time (see
 * {@link CodegenDatabase}): repositories use the generated classes in {@code dev.tesela.platform.db.schema.tenant} and
 * {@code .control}, whose tables carry no prefix and sit in a placeholder schema ({@link #TENANT_SCHEMA},
 * {@link #CONTROL_SCHEMA}). A tenant's DSLContext ({@link Database}) maps exactly these names to their prefixed form,
 * so a query names {@code users} and runs against {@code tsl_users} or {@code tsl_acme_users}; MigrationsTest checks
 * the generated tables and columns against what the migrations create on every vendor.
 */
public final class SchemaTables {
    /** The unprefixed names of the tenant schema's tables. */
    public static final List<String> TENANT = names(Tenant.TENANT);

    /** The unprefixed names of the control plane's tables. */
    public static final List<String> CONTROL = names(Control.CONTROL);

    /**
     * The schema tenant tables are generated under. It is never a real schema: the tenant's DSLContext renders it as
     * the tenant's own database, or leaves it out for tables in the shared database. (Tenant tables must have a
     * schema: jOOQ leaves the schema out of a MySQL/MariaDB DELETE whose table has none, which would send the
     * statement to the connection's database instead of the tenant's own.)
     */
    public static final String TENANT_SCHEMA = Tenant.TENANT.getName();

    /** The schema control-plane tables are generated under; never a real schema, always left out when rendered. */
    public static final String CONTROL_SCHEMA = Control.CONTROL.getName();

    private static List<String> names(Schema schema) {
        return schema.getTables().stream().map(Table::getName).sorted().toList();
    }

    private SchemaTables() {}
}
