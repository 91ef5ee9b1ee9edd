package dev.tesela.platform.db;

import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;

/**
 * A tenant's data handle, carried by its runtime ({@code rc.db()}): the only way services reach the tenant's tables.
 * Whatever the isolation mode, {@link #dsl()} renders that tenant's tables (its server, its own database when it has
 * one, its prefix) and nobody else's.
 *
 * <p>A handle is either free ({@link #of}: every statement runs on its own pooled connection, and
 * {@link #transaction} starts a short transaction) or bound to a transaction that is already open
 * ({@link #bound}: statements join it and {@link #transaction} runs its work inside it). Services never see the
 * difference, which is how work of several services commits together (see {@code Tx}). Immutable, thread-safe.
 */
public final class TenantDb {
    private final DSLContext dsl;
    private final boolean bound;

    private TenantDb(DSLContext dsl, boolean bound) {
        this.dsl = dsl;
        this.bound = bound;
    }

    /** A free handle on {@code dsl} (the tenant's DSLContext from {@link TenantDatabases}). */
    public static TenantDb of(DSLContext dsl) {
        return new TenantDb(dsl, false);
    }

    /** A handle bound to the open transaction whose DSLContext is {@code transactionDsl}. */
    public static TenantDb bound(DSLContext transactionDsl) {
        return new TenantDb(transactionDsl, true);
    }

    /** For single statements (or, on a bound handle, statements of the open transaction). */
    public DSLContext dsl() {
        return dsl;
    }

    /** Whether statements join a transaction that is already open. */
    public boolean inTransaction() {
        return bound;
    }

    /**
     * Runs {@code work} in a short transaction, retried on transient conflicts as {@link Transactions} says (so the
     * work must do nothing but database work); on a bound handle, runs it inside the open transaction, once.
     */
    public <T> T transaction(TransactionalCallable<T> work) {
        if (bound) {
            try {
                return work.run(dsl.configuration());
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable e) {
                throw new org.jooq.exception.DataAccessException("Transaction work failed: " + e.getMessage(), e);
            }
        }
        return Transactions.inTransaction(dsl, work);
    }
}
