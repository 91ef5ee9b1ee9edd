package dev.tesela.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A Hikari pool that is made when a connection is first asked for: until then no pool thread runs and no connection
 * is opened, so a CLI command that is refused before its first query (or never needs the database) costs nothing here.
 * Once made, the pool fills and keeps its idle connections as configured. Thread-safe.
 */
final class LazyPool implements DataSource, AutoCloseable {
    private final HikariConfig config;
    private final Object lock = new Object();
    /** Written under {@link #lock}, read without it once set. */
    private volatile HikariDataSource pool;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    LazyPool(HikariConfig config) {
        this.config = config;
    }

    /** True once the pool was made (a connection was asked for). */
    boolean opened() {
        return pool != null;
    }

    /** The pool, made now if it was not; once closed, a pool that was never made is not made (SQLException). */
    private HikariDataSource pool() throws SQLException {
        HikariDataSource p = pool;
        if (p != null) {
            return p; // after close() it refuses connections itself, with an SQLException
        }
        synchronized (lock) {
            if (pool == null) {
                if (closed) {
                    throw new SQLException("The pool " + config.getPoolName() + " is closed");
                }
                pool = new HikariDataSource(config);
            }
            return pool;
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return pool().getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the pool has fixed credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool().getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool().setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool().setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool().getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException(); // as Hikari's own
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : pool().unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool().isWrapperFor(type);
    }

    /** Closes the pool if it was made; later requests for a connection fail. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (pool != null) {
                pool.close();
            }
        }
    }
}
