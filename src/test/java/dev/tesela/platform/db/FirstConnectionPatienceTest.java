package dev.tesela.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The first connection may take a while (start-up); after it, a pool wait that runs out fails at once. */
class FirstConnectionPatienceTest {
    private static final Connection CONNECTION = (Connection) Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> null);

    @Test
    void waitsRunningOutBeforeTheFirstConnectionAreRetriedButNotAfterIt() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(3);
        AtomicInteger calls = new AtomicInteger();
        DataSource pool = new Pool(() -> {
            calls.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                throw new SQLTransientConnectionException("Connection is not available, request timed out after 250ms");
            }
            return CONNECTION;
        });
        FirstConnectionPatience patient = new FirstConnectionPatience(pool, Duration.ofSeconds(10));
        assertSame(CONNECTION, patient.getConnection());
        assertEquals(4, calls.get());

        failuresLeft.set(1);
        assertThrows(SQLTransientConnectionException.class, patient::getConnection);
        assertEquals(5, calls.get(), "no retry once connected");
    }

    @Test
    void givesUpAfterItsPatience() {
        FirstConnectionPatience patient = new FirstConnectionPatience(
                new Pool(() -> {
                    throw new SQLTransientConnectionException("down");
                }),
                Duration.ofMillis(50));
        assertThrows(SQLTransientConnectionException.class, patient::getConnection);
    }

    private interface Connect {
        Connection get() throws SQLException;
    }

    private record Pool(Connect connect) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return connect.get();
        }

        @Override
        public Connection getConnection(String u, String p) throws SQLException {
            return connect.get();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) {
            return null;
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
