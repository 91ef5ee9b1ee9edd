package dev.tesela.platform.db;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a transaction again when the database aborted it for a transient reason: a deadlock or a serialization
 * failure (SQLState 40001 on MariaDB/MySQL, PostgreSQL and H2; PostgreSQL's 40P01), a lock wait timeout (MariaDB
 * 1205, H2 50200) or H2's concurrent update (90131). At most {@value #ATTEMPTS} attempts, with a jittered pause of
 * 5-25 ms times the attempt number in between; every other failure, and the last transient one, is thrown as it came.
 *
 * <p>The work may run more than once, so it must do nothing but database work (no file or network I/O, which has no
 * business inside a transaction anyway) and build its result afresh on each run. Stateless, thread-safe.
 */
public final class Transactions {
    static final int ATTEMPTS = 3;
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01");
    /** MariaDB/MySQL deadlock and lock wait timeout; H2's lock timeout and concurrent update. */
    private static final Set<Integer> TRANSIENT_CODES = Set.of(1213, 1205, 50200, 90131, 40001);

    private Transactions() {}

    /** {@code work} in a transaction of {@code dsl}, retried as described above; returns its result. */
    public static <T> T inTransaction(DSLContext dsl, TransactionalCallable<T> work) {
        return inTransaction(dsl, work, Duration.ofMillis(5));
    }

    /** @param pauseUnit the base of the pause between attempts (tests pass zero) */
    static <T> T inTransaction(DSLContext dsl, TransactionalCallable<T> work, Duration pauseUnit) {
        for (int attempt = 1; ; attempt++) {
            try {
                return dsl.transactionResult(work);
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS || !isTransient(e)) {
                    throw e;
                }
                log.debug("Transaction aborted ({}); attempt {} of {}", e.getMessage(), attempt + 1, ATTEMPTS);
                pause(pauseUnit, attempt);
            }
        }
    }

    /** Whether {@code failure} (or a cause of it) is an SQLException the database raises for a transient conflict. */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    // Set.of(..).contains(null) throws: Hikari's pool-wait exception has no SQLState.
                    String state = e.getSQLState();
                    if ((state != null && TRANSIENT_STATES.contains(state))
                            || TRANSIENT_CODES.contains(e.getErrorCode())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static void pause(Duration unit, int attempt) {
        long millis = unit.toMillis() * attempt * ThreadLocalRandom.current().nextLong(1, 6);
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between transaction attempts", e);
        }
    }
}
