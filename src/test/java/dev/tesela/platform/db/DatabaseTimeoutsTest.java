package dev.tesela.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The driver timeouts added to JDBC URLs, so a dead or hung server cannot hold a request for long. */
class DatabaseTimeoutsTest {
    private static final Duration WAIT = Duration.ofMillis(1500);

    @Test
    void mariadbAndMysqlGetMillisecondsPostgresSecondsAndH2Nothing() {
        assertEquals(
                "jdbc:mariadb://db:3306/site?connectTimeout=1500&socketTimeout=30000",
                Database.withTimeouts("jdbc:mariadb://db:3306/site", WAIT));
        assertEquals(
                "jdbc:mysql://db/site?useSSL=false&connectTimeout=1500&socketTimeout=30000",
                Database.withTimeouts("jdbc:mysql://db/site?useSSL=false", WAIT));
        assertEquals(
                "jdbc:postgresql://db:5432/site?connectTimeout=1&socketTimeout=30",
                Database.withTimeouts("jdbc:postgresql://db:5432/site", WAIT));
        assertEquals(
                "jdbc:h2:file:/data/db;DATABASE_TO_LOWER=TRUE",
                Database.withTimeouts("jdbc:h2:file:/data/db;DATABASE_TO_LOWER=TRUE", WAIT));
    }

    @Test
    void aTimeoutTheOperatorWroteIsKept() {
        assertEquals(
                "jdbc:postgresql://db/site?SocketTimeout=300&connectTimeout=1",
                Database.withTimeouts("jdbc:postgresql://db/site?SocketTimeout=300", WAIT));
        assertEquals(
                "jdbc:mariadb://db/site?connectTimeout=5000&socketTimeout=0",
                Database.withTimeouts("jdbc:mariadb://db/site?connectTimeout=5000&socketTimeout=0", WAIT));
    }
}
