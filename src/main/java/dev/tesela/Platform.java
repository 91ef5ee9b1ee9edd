package dev.tesela;

import dev.tesela.platform.cache.Redis;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.db.Database;
import dev.tesela.platform.db.DatabaseServers;
import dev.tesela.platform.db.SchemaMigrator;
import dev.tesela.platform.security.MasterKey;
import java.time.Clock;
import java.util.Optional;

/**
 * The infrastructure under every feature of one process: configuration, clock, the master key, the database servers
 * (the default one holds the control plane), their migrator and Redis. Making it reads the master key (or creates the
 * key file of the embedded default) and connects nothing: a pool opens on its first query and Redis on its first
 * command (see {@link Database}, {@link Redis}), so a CLI command costs only what it uses. {@link #close()} closes what
 * was opened, in reverse order.
 *
 * @param controlPrefix prefix of the control-plane tables: the site prefix plus one underscore (tsl_ → tsl__tenants)
 * @param redis         present when TESELA_REDIS_URL is set
 */
record Platform(
        TeselaConfig config,
        Clock clock,
        byte[] masterKey,
        String controlPrefix,
        Database database,
        DatabaseServers databaseServers,
        SchemaMigrator migrator,
        Optional<Redis> redis)
        implements AutoCloseable {

    static Platform open(TeselaConfig config, Clock clock) {
        byte[] masterKey = MasterKey.load(config.encryptionKey(), config.dataDir());
        Database database = new Database(config.db(), "tesela");
        DatabaseServers servers = new DatabaseServers(database, config.db().servers());
        // Commands time out after ~1 s and fail at once while Redis is down; the client reconnects by itself.
        Optional<Redis> redis = config.redisUrl().map(Redis::new);
        return new Platform(
                config,
                clock,
                masterKey,
                App.controlPrefix(config),
                database,
                servers,
                new SchemaMigrator(servers),
                redis);
    }

    @Override
    public void close() {
        redis.ifPresent(Redis::close);
        databaseServers.close();
        database.close();
    }
}
