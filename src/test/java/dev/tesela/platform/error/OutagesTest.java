package dev.tesela.platform.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

/** Which failures are outages (503 + Retry-After) and which stay internal errors. */
class OutagesTest {

    @Test
    void aPoolWaitIsBusyAndARefusedConnectionBehindItIsUnavailable() throws Exception {
        var poolWait = new DataAccessException("Error getting connection", realPoolWait());
        AppException busy = Outages.classify(poolWait).orElseThrow();
        assertEquals(ErrorCode.BUSY, busy.code());
        assertEquals(Outages.BUSY_MESSAGE, busy.publicMessage());

        var refused = new SQLTransientConnectionException("timed out", new SQLException("Connection refused", "08001"));
        assertEquals(
                Outages.UNAVAILABLE_MESSAGE,
                Outages.classify(new DataAccessException("x", refused))
                        .orElseThrow()
                        .publicMessage());
    }

    @Test
    void anUnclassedSqlStateIsAFailedStatementNotAPoolWait() {
        // MariaDB Connector/J raises SQLTransientConnectionException for SQLSTATEs it has no class for, such as a
        // trigger's SIGNAL '45000': a failed statement (500), not load (ConcurrentUploadsTest's injected failure).
        var signal = new SQLTransientConnectionException("(conn=5) injected failure", "45000", 1644);
        assertTrue(Outages.classify(new DataAccessException("x", signal)).isEmpty());
    }

    /** The exception a real Hikari pool raises when no connection frees up within its wait. */
    private static SQLTransientConnectionException realPoolWait() throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:outages-" + System.nanoTime());
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(250);
        try (HikariDataSource pool = new HikariDataSource(config);
                Connection held = pool.getConnection()) {
            return assertThrows(SQLTransientConnectionException.class, pool::getConnection);
        }
    }

    @Test
    void droppedConnectionsAndAStoppingPostgresAreUnavailable() {
        assertTrue(Outages.classify(new DataAccessException("x", new SQLException("I/O error", "08006")))
                .isPresent());
        assertTrue(Outages.classify(new SQLException("terminating connection due to administrator command", "57P01"))
                .isPresent());
        assertTrue(Outages.classify(new SQLException("the database system is starting up", "57P03"))
                .isPresent());
    }

    @Test
    void redisDisconnectedOrSlowIsUnavailableButAnErrorReplyIsABug() {
        assertEquals(
                ErrorCode.BUSY,
                Outages.classify(new RedisConnectionException("refused"))
                        .orElseThrow()
                        .code());
        assertTrue(Outages.classify(new RedisCommandTimeoutException("Command timed out after 1 second(s)"))
                .isPresent());
        assertTrue(Outages.classify(new RedisCommandExecutionException("WRONGTYPE"))
                .isEmpty());
    }

    @Test
    void aFileStoreOutOfReachIsUnavailableButOtherFileErrorsAreNot() {
        var unreachable = new dev.tesela.storage.BlobStore.StoreUnavailableException(
                "no answer within 10 s", new java.net.SocketTimeoutException());
        assertEquals(
                ErrorCode.BUSY,
                Outages.classify(new java.io.UncheckedIOException(unreachable))
                        .orElseThrow()
                        .code());
        assertTrue(Outages.classify(new java.io.IOException("disk full")).isEmpty());
    }

    @Test
    void aFileStoreThatRefusesTheSiteAsConfiguredIsUnavailableNotABug() {
        var refused = new dev.tesela.storage.BlobStore.StoreRefusedException(
                "access denied to bucket photos on storage s3:3", null);
        AppException e =
                Outages.classify(new java.io.UncheckedIOException(refused)).orElseThrow();
        assertEquals(ErrorCode.UNAVAILABLE, e.code());
        assertEquals(503, e.code().httpStatus());
        assertFalse(e.publicMessage().contains("photos"), "the storage's settings stay out of the visitor's view");
    }

    @Test
    void bugsAndTypedErrorsAreLeftAlone() {
        assertTrue(Outages.classify(new IllegalStateException("bug")).isEmpty());
        assertTrue(Outages.classify(new DataAccessException("x", new SQLException("syntax error", "42601")))
                .isEmpty());
        assertTrue(
                Outages.classify(new AppException(ErrorCode.NOT_FOUND, "gone")).isEmpty());
        RuntimeException cyclic = new RuntimeException("a");
        RuntimeException other = new RuntimeException("b", cyclic);
        cyclic.initCause(other);
        assertTrue(Outages.classify(cyclic).isEmpty());
    }
}
