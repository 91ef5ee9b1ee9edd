package dev.tesela.platform.db;

import dev.tesela.platform.context.RequestContext;
import java.util.function.Function;

/**
 * Runs the work of several services in one transaction of the caller's tenant: {@code Tx.run(rc, tx -> …)} hands
 * the work a context whose {@code db()} is bound to the open transaction, and services called with it join that
 * transaction without knowing. Retried on transient conflicts like every transaction (see {@link Transactions}), so
 * the work must do nothing but database work. When {@code rc} is already in a transaction, the work joins it.
 */
public final class Tx {
    private Tx() {}

    public static <T> T run(RequestContext rc, Function<RequestContext, T> work) {
        return rc.db()
                .transaction(configuration ->
                        work.apply(rc.db().inTransaction() ? rc : rc.withDb(TenantDb.bound(configuration.dsl()))));
    }
}
