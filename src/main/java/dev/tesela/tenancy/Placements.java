package dev.tesela.tenancy;

import dev.tesela.platform.config.TeselaConfig.IsolationMode;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Decides where a new tenant's tables go, once, when it is provisioned. The tenant's effective env (plan, then
 * tenant, then TESELA_TENANT_ENFORCED) may override the installation's TESELA_TENANTS_DB_ISOLATION_MODE, and in
 * database isolation name the server (TESELA_DB_SERVER, one of TESELA_DB_SERVERS; default the default server)
 * and the database (TESELA_DB_NAME; default {@code <TESELA_DB_TABLE_PREFIX><id>}, '-' written as '_'). Later
 * changes to these keys do not move a tenant. Table isolation always uses the default server's shared database.
 */
public final class Placements {
    static final String ISOLATION = "TESELA_TENANTS_DB_ISOLATION_MODE";
    static final String SERVER = "TESELA_DB_SERVER";
    static final String NAME = "TESELA_DB_NAME";

    private static final Pattern SERVER_NAME = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,31}$");
    private static final Pattern DATABASE_NAME = Pattern.compile("^[a-z][a-z0-9_]{0,62}$");

    private final IsolationMode installationMode;
    private final Predicate<String> serverExists;
    private final String tablePrefix;

    /**
     * @param installationMode TESELA_TENANTS_DB_ISOLATION_MODE
     * @param serverExists     true for "default" and every name of TESELA_DB_SERVERS
     * @param tablePrefix      TESELA_DB_TABLE_PREFIX
     */
    public Placements(IsolationMode installationMode, Predicate<String> serverExists, String tablePrefix) {
        this.installationMode = installationMode;
        this.serverExists = serverExists;
        this.tablePrefix = tablePrefix;
    }

    /** A tenant's env names a placement this installation cannot provide. The message says which key and why. */
    static final class PlacementException extends Exception {
        PlacementException(String message) {
            super(message);
        }
    }

    /** Where tenant {@code id}, whose effective env is {@code env}, is provisioned. */
    TenantRepository.Placement forNewTenant(String id, Map<String, String> env) throws PlacementException {
        Optional<String> problem = envProblem(env);
        if (problem.isPresent()) {
            throw new PlacementException(problem.get());
        }
        IsolationMode mode = Optional.ofNullable(env.get(ISOLATION))
                .map(v -> IsolationMode.byKey(v.strip()))
                .orElse(installationMode);
        String server = Optional.ofNullable(env.get(SERVER)).map(String::strip).orElse("default");
        if (mode == IsolationMode.TABLE) {
            // The server and name keys mean nothing here: a plan may set them for its database tenants while one
            // tenant on it overrides the isolation.
            return TenantRepository.Placement.TABLE;
        }
        if (!serverExists.test(server)) {
            throw new PlacementException(
                    SERVER + " names '" + server + "', which is not a configured database server (TESELA_DB_SERVERS).");
        }
        String name = Optional.ofNullable(env.get(NAME)).map(String::strip).orElse(tablePrefix + id.replace('-', '_'));
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new PlacementException("The database name '" + name
                    + "' is not valid: 1 to 63 characters of a-z, 0-9 and _, starting with a letter.");
        }
        return new TenantRepository.Placement(mode.key(), server, name);
    }

    /** True when {@code server} is the default server or one of TESELA_DB_SERVERS. */
    boolean serverExists(String server) {
        return serverExists.test(server);
    }

    /** Why the placement keys of {@code env} are malformed, if they are (checked for tenants and plans alike). */
    static Optional<String> envProblem(Map<String, String> env) {
        for (String key : new String[] {ISOLATION, SERVER, NAME}) {
            String value = env.get(key);
            Optional<String> problem = value == null ? Optional.empty() : keyProblem(key, value);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** Why {@code value} cannot be the placement key {@code key} ({@link #ISOLATION}, {@link #SERVER} or {@link #NAME}). */
    static Optional<String> keyProblem(String key, String value) {
        String v = value.strip();
        return switch (key) {
            case ISOLATION ->
                IsolationMode.byKey(v) == null
                        ? Optional.of(
                                ISOLATION + " must be table (also spelt prefix) or database, got '" + value + "'.")
                        : Optional.empty();
            case SERVER ->
                !SERVER_NAME.matcher(v).matches()
                        ? Optional.of(SERVER + " must be a server name of 1-32 characters of a-z, 0-9, _ and -, got '"
                                + value + "'.")
                        : Optional.empty();
            case NAME ->
                !DATABASE_NAME.matcher(v).matches()
                        ? Optional.of(
                                NAME + " must be 1 to 63 characters of a-z, 0-9 and _, starting with a letter, got '"
                                        + value + "'.")
                        : Optional.empty();
            default -> throw new IllegalArgumentException("not a placement key: " + key);
        };
    }
}
