package dev.tesela.platform.db;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The pool as every caller sees it: until it has handed out its first connection, a pool wait that runs out
 * ({@link SQLTransientConnectionException}) is tried again for up to {@code patience} in all, so that start-up,
 * migrations and CLI commands survive a server still starting or a first connection slowed by load (H2 opening its
 * file on a busy machine took over 1.5 s). Once a connection was had, the pool wait applies as configured: a
 * request is never held longer than that. Thread-safe.
 */
final class FirstConnectionPatience implements DataSource {
    private final DataSource pool;
    private final Duration patience;
    private volatile boolean connectedOnce;

    FirstConnectionPatience(DataSource pool, Duration patience) {
        this.pool = pool;
        this.patience = patience;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (connectedOnce) {
            return pool.getConnection();
        }
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                Connection c = pool.getConnection();
                connectedOnce = true;
                return c;
            } catch (SQLTransientConnectionException waitRanOut) {
                if (connectedOnce || System.nanoTime() >= deadline) {
                    throw waitRanOut;
                }
            }
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the pool has fixed credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool.isWrapperFor(type);
    }
}
