package dev.tesela.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.testing.ConnectionProbe;
import dev.tesela.testing.TestDatabase;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** A {@link Database} opens its pool on the first query, not when it is made (what a CLI command that never queries relies on). */
class LazyPoolTest {

    @Test
    void nothingConnectsUntilTheFirstQuery() {
        try (ConnectionProbe server = new ConnectionProbe()) {
            Database database = new Database(
                    new TeselaConfig.Db(
                            "jdbc:postgresql://127.0.0.1:" + server.port() + "/tesela", "tesela", "", "tsl_", 2, true),
                    "lazy-pool-test");
            database.controlDsl("tsl__");
            database.tenantDsl("tsl_");
            assertFalse(database.opened(), "making the DSL contexts opens no pool");
            database.close();
            assertEquals(0, server.connections(), "no connection was attempted");
            assertThrows(
                    SQLException.class,
                    () -> database.dataSource().getConnection(),
                    "a closed pool is not made afterwards");
            assertFalse(database.opened());
        }
    }

    @Test
    void theFirstQueryOpensThePool() {
        try (TestDatabase h2 = TestDatabase.create(TestDatabase.Kind.H2);
                Database database = new Database(h2.config("tsl_"), "lazy-pool-test")) {
            assertFalse(database.opened());
            assertEquals(1, database.controlDsl("tsl__").selectOne().fetchOne(0, Integer.class));
            assertTrue(database.opened());
        }
    }
}
