package dev.tesela.account;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.SchemaMigrator;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract on the database store (H2), plus idle expiry with a controlled clock. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbSessionStoreTest extends SessionStoreContract {
    private TestDatabase db;
    private Database database;
    private DbSessionStore store;

    @BeforeAll
    void setUp() {
        db = TestDatabase.create(TestDatabase.Kind.H2);
        database = new Database(db.config("tsl_"), "test");
        new SchemaMigrator(database)
                .migrate(SchemaMigrator.Schema.TENANT, a.placement().tablePrefix());
        new SchemaMigrator(database)
                .migrate(SchemaMigrator.Schema.TENANT, b.placement().tablePrefix());
        store = new DbSessionStore(
                new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                Clock.systemUTC());
        // Sessions reference users: create the users the contract's sessions belong to, in both tenants.
        for (TenantContext t : List.of(a, b)) {
            for (long id : new long[] {1, 3, 5, 10, 11, 42, 98, 99}) {
                database.tenantDsl(t.placement().tablePrefix())
                        .insertInto(table(name("users")))
                        .set(field(name("id"), Long.class), id)
                        .set(field(name("username"), String.class), "user" + id)
                        .set(field(name("created_at"), LocalDateTime.class), LocalDateTime.now())
                        .execute();
            }
        }
    }

    @AfterAll
    void tearDown() {
        database.close();
        db.close();
    }

    @Override
    SessionStore store() {
        return store;
    }

    @Test
    void idleSessionsExpireAndArePurged() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        var early = new DbSessionStore(
                new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                Clock.fixed(t0, ZoneOffset.UTC));
        String token = early.create(a, new SessionStore.Session(99, null, t0), Duration.ofMinutes(10));
        var later = new DbSessionStore(
                new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                Clock.fixed(t0.plus(Duration.ofMinutes(11)), ZoneOffset.UTC));
        assertTrue(later.findAndTouch(a, token, Duration.ofMinutes(10)).isEmpty(), "expired after 10 idle minutes");
        assertTrue(later.purgeExpired(a) >= 1);
        assertEquals(0, later.purgeExpired(a));
    }

    @Test
    void useExtendsTheIdleDeadline() {
        Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
        Duration idle = Duration.ofMinutes(10);
        String token = new DbSessionStore(
                        new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                        Clock.fixed(t0, ZoneOffset.UTC))
                .create(a, new SessionStore.Session(98, null, t0), idle);
        var at8 = new DbSessionStore(
                new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                Clock.fixed(t0.plus(Duration.ofMinutes(8)), ZoneOffset.UTC));
        assertTrue(at8.findAndTouch(a, token, idle).isPresent());
        var at16 = new DbSessionStore(
                new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                Clock.fixed(t0.plus(Duration.ofMinutes(16)), ZoneOffset.UTC));
        assertTrue(at16.findAndTouch(a, token, idle).isPresent(), "touched at minute 8, so alive until 18");
    }

    @Test
    void touchesWithinAMinuteDoNotWriteButLaterOnesDo() {
        Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
        Duration idle = Duration.ofMinutes(10);
        String token = new DbSessionStore(
                        new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                        Clock.fixed(t0, ZoneOffset.UTC))
                .create(a, new SessionStore.Session(1, null, t0), idle);
        String key = SessionStore.storageKey(a, token);
        var lastSeen = field(name("last_seen_at"), LocalDateTime.class);
        var id = field(name("id"), String.class);
        java.util.function.Supplier<LocalDateTime> stored =
                () -> database.tenantDsl(a.placement().tablePrefix())
                        .select(lastSeen)
                        .from(table(name("sessions")))
                        .where(id.eq(key))
                        .fetchOne(lastSeen);
        LocalDateTime created = stored.get();
        new DbSessionStore(
                        new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                        Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC))
                .findAndTouch(a, token, idle);
        assertEquals(created, stored.get(), "a touch 30 s later writes nothing");
        new DbSessionStore(
                        new TenantDatabases(new dev.tesela.platform.db.DatabaseServers(database, java.util.Map.of())),
                        Clock.fixed(t0.plusSeconds(90), ZoneOffset.UTC))
                .findAndTouch(a, token, idle);
        assertEquals(
                LocalDateTime.parse("2026-03-01T00:01:30"), stored.get(), "a touch 90 s later slides the deadline");
    }
}
