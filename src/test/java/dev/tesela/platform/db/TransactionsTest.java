package dev.tesela.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.TestDatabase;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The transaction retry on a real (H2) database: a transient failure is retried and each failed attempt is rolled
 * back; a non-transient one is not retried; the attempts are bounded; and which SQL errors of which vendor count as
 * transient.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionsTest {
    private TestDatabase db;
    private Database database;
    private DSLContext dsl;

    @BeforeAll
    void start() {
        db = TestDatabase.create(TestDatabase.Kind.H2);
        database = new Database(db.config("tsl_"), "test");
        dsl = database.tenantDsl("tsl_");
        dsl.execute("CREATE TABLE attempts (n INT)");
    }

    @AfterAll
    void stop() {
        database.close();
        db.close();
    }

    @BeforeEach
    void empty() {
        dsl.execute("DELETE FROM attempts");
    }

    @Test
    void aTransientFailureIsRetriedAndOnlyTheSuccessfulAttemptCommits() {
        AtomicInteger calls = new AtomicInteger();
        String result = Transactions.inTransaction(
                dsl,
                tx -> {
                    int n = calls.incrementAndGet();
                    tx.dsl().execute("INSERT INTO attempts VALUES (" + n + ")");
                    if (n < 3) {
                        throw new DataAccessException(
                                "deadlock", new SQLTransactionRollbackException("Deadlock found", "40001", 1213));
                    }
                    return "done";
                },
                Duration.ZERO);
        assertEquals("done", result);
        assertEquals(3, calls.get());
        assertEquals(3, dsl.fetchValue("SELECT MAX(n) FROM attempts"));
        assertEquals(1, dsl.fetchCount(dsl.selectFrom("attempts")), "the failed attempts were rolled back");
    }

    @Test
    void aNonTransientFailureIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        DataAccessException duplicate =
                new DataAccessException("duplicate", new SQLException("Duplicate entry", "23000", 1062));
        DataAccessException thrown = assertThrows(
                DataAccessException.class,
                () -> Transactions.inTransaction(
                        dsl,
                        tx -> {
                            calls.incrementAndGet();
                            tx.dsl().execute("INSERT INTO attempts VALUES (1)");
                            throw duplicate;
                        },
                        Duration.ZERO));
        assertSame(duplicate, thrown);
        assertEquals(1, calls.get());
        assertEquals(0, dsl.fetchCount(dsl.selectFrom("attempts")));
    }

    @Test
    void attemptsAreBoundedAndTheLastFailureIsThrown() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(
                DataAccessException.class,
                () -> Transactions.inTransaction(
                        dsl,
                        tx -> {
                            calls.incrementAndGet();
                            throw new DataAccessException("deadlock", new SQLException("deadlock detected", "40P01"));
                        },
                        Duration.ZERO));
        assertEquals(Transactions.ATTEMPTS, calls.get());
    }

    @Test
    void aRealH2LockTimeoutIsTransient() throws Exception {
        // Two transactions updating one row: the second waits for the lock and times out (H2 code 50200).
        dsl.execute("INSERT INTO attempts VALUES (1)");
        try (var first = database.dataSource().getConnection();
                var second = database.dataSource().getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            first.createStatement().execute("UPDATE attempts SET n = 2");
            second.createStatement().execute("SET LOCK_TIMEOUT 50");
            SQLException e = assertThrows(
                    SQLException.class, () -> second.createStatement().execute("UPDATE attempts SET n = 3"));
            assertTrue(
                    Transactions.isTransient(new DataAccessException("wrapped", e)),
                    e.getSQLState() + "/" + e.getErrorCode());
            first.rollback();
            second.rollback();
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}: transient {3}")
    @CsvSource({
        "MariaDB deadlock,        40001, 1213,  true",
        "MariaDB lock wait,       HY000, 1205,  true",
        "PostgreSQL deadlock,     40P01, 0,     true",
        "PostgreSQL serialization, 40001, 0,    true",
        "H2 deadlock,             40001, 40001, true",
        "H2 lock timeout,         HYT00, 50200, true",
        "H2 concurrent update,    HY000, 90131, true",
        "MariaDB duplicate key,   23000, 1062,  false",
        "PostgreSQL unique,       23505, 0,     false",
        "missing table,           42S02, 1146,  false",
        "connection refused,      08001, 0,     false",
    })
    void whichErrorsAreTransient(String what, String state, int code, boolean expected) {
        assertEquals(
                expected,
                Transactions.isTransient(new DataAccessException(what, new SQLException(what, state, code))),
                what);
    }

    @Test
    void failuresWithoutAnSqlCauseAreNotTransient() {
        assertFalse(Transactions.isTransient(new IllegalStateException("x")));
        assertFalse(Transactions.isTransient(new DataAccessException("no cause")));
    }

    @Test
    void aPoolWaitThatRanOutIsNotTransientAndDoesNotFail() {
        // Hikari's exception carries no SQLState; the check threw a NullPointerException (a 500 instead of a 503).
        assertFalse(Transactions.isTransient(new DataAccessException(
                "Error getting connection",
                new java.sql.SQLTransientConnectionException(
                        "tesela - Connection is not available, request timed out after 1500ms"))));
    }
}
