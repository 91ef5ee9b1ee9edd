package dev.tesela.platform.error;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Recognises failures that are not bugs but a dependency out of reach or out of capacity, so that they answer
 * {@link ErrorCode#BUSY} (503 with Retry-After) instead of an internal error: a connection pool whose wait ran out
 * (Hikari's {@link SQLTransientConnectionException}), a database that refuses, drops or stops answering connections
 * (SQLSTATE class 08, PostgreSQL's shut-down states 57P01-57P03, the JDBC connection exception types), and a Redis
 * that is disconnected or does not answer within its command timeout (any Lettuce {@link RedisException} except an
 * error reply to a command, which is a bug), and a storage that does not answer in its bounded time
 * ({@link dev.tesela.storage.BlobStore.StoreUnavailableException}); also a storage that refuses the site's requests as
 * configured ({@link dev.tesela.storage.BlobStore.StoreRefusedException}: 503 UNAVAILABLE, never a 500). The cause chain is searched, so jOOQ's and Lettuce's wrappers are seen
 * through. Stateless; thread-safe.
 */
public final class Outages {
    /** A pool wait ran out while the database itself answers: too much load at once. */
    static final String BUSY_MESSAGE = "The server is busy right now. Try again in a few seconds.";
    /** The database or Redis does not answer. */
    static final String UNAVAILABLE_MESSAGE =
            "The site cannot reach a service it needs right now. Try again in a minute.";

    /** A storage of the site (an S3 bucket, say) does not answer, or has too many calls in flight. */
    static final String STORAGE_MESSAGE = "The site's file storage is not answering right now. Try again in a minute.";

    /**
     * A storage of the site refuses its requests as configured (access denied, no such bucket, credentials that no
     * longer decrypt): not an outage, but nothing the visitor can fix either.
     */
    static final String STORAGE_REFUSED_MESSAGE = "The site's file storage refuses its requests right now (its settings"
            + " need an administrator's attention). Try again later.";

    private static final int MAX_CAUSES = 32;

    private Outages() {}

    /** The 503 that {@code failure} deserves when it shows an outage or exhausted capacity; empty for anything else. */
    public static Optional<AppException> classify(Throwable failure) {
        boolean poolWait = false;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure;
                t != null && seen.size() < MAX_CAUSES && seen.put(t, true) == null;
                t = t.getCause()) {
            if (t instanceof AppException) {
                return Optional.empty(); // already typed by the code that threw it
            }
            if (isPoolWait(t)) {
                poolWait = true; // keep looking: a refused connection behind it means the server is down, not busy
                continue;
            }
            if (t instanceof dev.tesela.storage.BlobStore.StoreUnavailableException) {
                return Optional.of(new AppException(ErrorCode.BUSY, STORAGE_MESSAGE, Map.of(), failure));
            }
            if (t instanceof dev.tesela.storage.BlobStore.StoreRefusedException) {
                return Optional.of(new AppException(ErrorCode.UNAVAILABLE, STORAGE_REFUSED_MESSAGE, Map.of(), failure));
            }
            if (unreachable(t)) {
                return Optional.of(new AppException(ErrorCode.BUSY, UNAVAILABLE_MESSAGE, Map.of(), failure));
            }
        }
        return poolWait
                ? Optional.of(new AppException(ErrorCode.BUSY, BUSY_MESSAGE, Map.of(), failure))
                : Optional.empty();
    }

    /**
     * Whether {@code t} is the connection pool's "no connection within the wait" failure. Told apart by where it was
     * made, not by its type alone: MariaDB Connector/J also raises {@link SQLTransientConnectionException} for any
     * SQLSTATE it has no class for (a trigger's SIGNAL '45000', for one), which is a failed statement, not load.
     */
    private static boolean isPoolWait(Throwable t) {
        if (!(t instanceof SQLTransientConnectionException)) {
            return false;
        }
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 4); i++) {
            if (stack[i].getClassName().startsWith("com.zaxxer.hikari.")) {
                return true;
            }
        }
        return false;
    }

    private static boolean unreachable(Throwable t) {
        if (t instanceof RedisException && !(t instanceof RedisCommandExecutionException)) {
            return true;
        }
        if (t instanceof SQLNonTransientConnectionException
                || t instanceof SQLRecoverableException
                || t instanceof SQLTimeoutException) {
            return true;
        }
        if (t instanceof SQLException sql && sql.getSQLState() != null) {
            String state = sql.getSQLState();
            return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
        }
        return false;
    }
}
