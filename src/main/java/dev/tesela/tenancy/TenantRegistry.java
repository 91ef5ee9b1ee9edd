package dev.tesela.tenancy;

import dev.tesela.platform.db.SchemaMigrator;
import dev.tesela.platform.db.SchemaTables;
import dev.tesela.platform.db.TenantPlacement;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.tenancy.TenantCommands.CreateTenant;
import dev.tesela.tenancy.TenantCommands.EditTenant;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.jooq.exception.IntegrityConstraintViolationException;

/**
 * The provider's operations on tenants: provision, change, remove, migrate. Callers are provider tooling (the
 * Tenants CLI, the signed Tenants API), authorised at their own edge; tenants never reach this service.
 * Every change empties the resolver caches of every instance. Env overrides are stored sealed with AES-256-GCM,
 * bound to their tenant. Where a tenant's tables live is decided once, when it is provisioned ({@link Placements}).
 */
public final class TenantRegistry {
    public static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,15}$");
    private static final Pattern HOSTNAME = Pattern.compile(
            "^(?=.{1,255}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$");
    /** PostgreSQL keeps 63 bytes of a name; the longest tenant index name needs 37 after the prefix. */
    private static final int MAX_PREFIX_LENGTH = 26;

    private final TenantDirectory directory;
    private final TenantRepository repository;
    private final PlanRepository plans;
    private final TenantEnvironment environment;
    private final SchemaMigrator migrator;
    private final Placements placements;
    private final Clock clock;

    /**
     * Changes are announced through {@code directory} ({@link TenantDirectory#changed}: this instance's runtimes are
     * dropped at once, the others' through the cache bus).
     *
     * @param placements decides where a new tenant's tables go
     */
    public TenantRegistry(TenantDirectory directory, SchemaMigrator migrator, Placements placements, Clock clock) {
        this.directory = directory;
        this.repository = directory.repository();
        this.environment = directory.environment();
        this.plans = environment.plans();
        this.migrator = migrator;
        this.placements = placements;
        this.clock = clock;
    }

    /**
     * Provisions a tenant completely: its tables (in a database of its own when its isolation says so; migrated), its
     * registry row, the caches. All or nothing: a failure removes whatever this call created, and never anything it
     * did not.
     */
    public TenantRecord create(CreateTenant command) {
        return create(command, Map.of());
    }

    /**
     * {@link #create(CreateTenant)}, reporting {@code inputProblems} (field → message, found by the caller while
     * reading its input; the command holds null or empty for those fields) together with the registry's own.
     */
    TenantRecord create(CreateTenant command, Map<String, String> inputProblems) {
        String id = command.id() == null ? "" : command.id().strip();
        String hostname = normaliseHostname(command.hostname());
        String planId = blankToNull(command.planId());
        Map<String, String> env = command.env() == null ? Map.of() : command.env();
        Map<String, String> errors = new LinkedHashMap<>(inputProblems);
        idProblem(id).ifPresent(p -> errors.putIfAbsent("id", p));
        hostnameProblem(hostname).ifPresent(p -> errors.putIfAbsent("hostname", p));
        String limits = command.limitsJson() == null ? null : TenantValues.limits(command.limitsJson(), errors);
        TenantValues.env(env, errors);
        // A plan that does not exist is refused by the registry's foreign key, after the tables were made (and then
        // dropped): checking first would race with a concurrent plan delete anyway.
        TenantRepository.Placement placement = null;
        if (errors.isEmpty()) {
            try {
                placement = placements.forNewTenant(id, environment.effectiveEnv(planId, env));
            } catch (Placements.PlacementException e) {
                errors.put("env", e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw AppException.invalid(errors);
        }
        if (repository.byId(id).isPresent()) {
            throw new AppException(ErrorCode.CONFLICT, "A tenant with id '" + id + "' already exists.");
        }
        if (repository.hostnameTakenByOther(hostname, id)) {
            throw new AppException(
                    ErrorCode.CONFLICT, "The host name '" + hostname + "' already belongs to another tenant.");
        }
        if (repository.tableNameTaken(tableSafe(id))) {
            throw new AppException(
                    ErrorCode.CONFLICT, "Tenant id '" + id + "' would share tables with an existing tenant.");
        }
        if (placement.ownDatabase() && repository.databaseTaken(placement.dbServer(), placement.dbName())) {
            throw new AppException(
                    ErrorCode.CONFLICT,
                    "The database '" + placement.dbName() + "' on server '" + placement.dbServer()
                            + "' already belongs to another tenant.");
        }
        TenantPlacement tables = directory.placementOf(id, placement);
        if (tables.ownDatabase()) {
            try {
                migrator.createTenantDatabase(tables);
            } catch (SchemaMigrator.DatabaseExistsException e) {
                throw new AppException(
                        ErrorCode.CONFLICT,
                        "The database '" + tables.database() + "' already exists on server '" + tables.server()
                                + "'. Remove it, or name another one with TESELA_DB_NAME in the tenant's env.");
            }
        }
        Instant now = clock.instant();
        try {
            migrator.migrateTenant(tables);
            repository.insert(new TenantRepository.Row(
                    id,
                    hostname,
                    planId,
                    limits,
                    environment.sealTenantEnv(id, env),
                    command.enabled(),
                    now,
                    now,
                    null,
                    placement));
        } catch (RuntimeException e) {
            // In table isolation a concurrent create of the same id migrates the same tables: if it registered the
            // tenant first, those tables are its tables now, not ours to drop. (A database of our own is always ours.)
            boolean lostTheRace = !tables.ownDatabase()
                    && e instanceof IntegrityConstraintViolationException
                    && repository.byId(id).isPresent();
            if (!lostTheRace) {
                migrator.dropTenant(tables);
            }
            if (e instanceof IntegrityConstraintViolationException) {
                throw new AppException(
                        ErrorCode.CONFLICT,
                        "The tenant conflicts with an existing one, or its plan does not exist.",
                        Map.of(),
                        e);
            }
            throw e;
        }
        changed(id);
        return get(id);
    }

    public TenantRecord get(String id) {
        return repository
                .byId(id)
                .map(row -> toRecord(row, environment.planOf(row.planId())))
                .orElseThrow(() -> AppException.notFound("No tenant with id '" + id + "'."));
    }

    /** Every tenant. The plans are read once for the whole list (the jobs worker lists tenants every few seconds). */
    public List<TenantRecord> list() {
        Map<String, PlanRecord> plansById = new java.util.HashMap<>();
        listPlans().forEach(p -> plansById.put(p.id(), p));
        return repository.all().stream()
                .filter(r -> !r.id().equals(dev.tesela.platform.context.TenantContext.DEFAULT_ID))
                .map(row -> toRecord(row, Optional.ofNullable(row.planId()).map(plansById::get)))
                .toList();
    }

    /** The context of tenant {@code id} (its table prefix and keys); NOT_FOUND when there is no such tenant. */
    public dev.tesela.platform.context.TenantContext contextOf(String id) {
        return directory.byId(id).orElseThrow(() -> AppException.notFound("No tenant with id '" + id + "'."));
    }

    /** Enabled tenants, the ones whose jobs ran longest ago (or never) first: the jobs worker's order. */
    public List<TenantRecord> enabledByLastJob() {
        return list().stream()
                .filter(TenantRecord::enabled)
                .sorted(java.util.Comparator.comparing(
                        TenantRecord::lastJobAt, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())))
                .toList();
    }

    /** See {@link TenantRepository#claimJobRun}: true when this caller owns the run due for {@code id}. */
    public boolean claimJobRun(String id, java.time.Duration interval) {
        java.time.Instant now = clock.instant();
        return repository.claimJobRun(id, now, now.minus(interval));
    }

    /** Replaces the stored statistics of {@code id}, or removes them when {@code stats} is empty (not installed). */
    public void putStats(String id, java.util.Optional<java.util.Map<String, Long>> stats) {
        new StatsRepository(repository.dsl()).put(id, stats, clock.instant());
    }

    /** The stored statistics of {@code id}, if any. */
    public java.util.Optional<java.util.Map<String, Long>> stats(String id) {
        return new StatsRepository(repository.dsl()).get(id);
    }

    /** Applies the fields present in {@code command}; returns the tenant after the change. */
    public TenantRecord edit(EditTenant command) {
        return edit(command, Map.of());
    }

    /** {@link #edit(EditTenant)}, reporting {@code inputProblems} with the registry's own (see {@link #create(CreateTenant, Map)}). */
    TenantRecord edit(EditTenant command, Map<String, String> inputProblems) {
        TenantRepository.Row row = repository
                .byId(command.id())
                .orElseThrow(() -> AppException.notFound("No tenant with id '" + command.id() + "'."));
        Map<String, String> errors = new LinkedHashMap<>(inputProblems);
        String hostname =
                command.hostname().map(TenantRegistry::normaliseHostname).orElse(row.hostname());
        if (command.hostname().isPresent()) {
            hostnameProblem(hostname).ifPresent(p -> errors.putIfAbsent("hostname", p));
        }
        // Not Optional.map(...).orElse(old): a value that clears the field maps to null, which map() turns into
        // "absent".
        String limits = row.limitsJson();
        if (command.limitsJson().isPresent()) {
            String json = command.limitsJson().get();
            limits = json.isBlank() || json.strip().equals("null") ? null : TenantValues.limits(json, errors);
        }
        command.env().ifPresent(env -> TenantValues.env(env, errors));
        if (!errors.isEmpty()) {
            throw AppException.invalid(errors);
        }
        if (repository.hostnameTakenByOther(hostname, row.id())) {
            throw new AppException(
                    ErrorCode.CONFLICT, "The host name '" + hostname + "' already belongs to another tenant.");
        }
        byte[] env = command.env().isPresent()
                ? environment.sealTenantEnv(row.id(), command.env().get())
                : row.envSealed();
        String planId =
                command.planId().isPresent() ? blankToNull(command.planId().get()) : row.planId();
        try {
            repository.update(new TenantRepository.Row(
                    row.id(),
                    hostname,
                    planId,
                    limits,
                    env,
                    command.enabled().orElse(row.enabled()),
                    row.createdAt(),
                    clock.instant(),
                    row.lastJobAt(),
                    row.placement()));
        } catch (IntegrityConstraintViolationException e) {
            throw new AppException(
                    ErrorCode.CONFLICT, "No plan '" + planId + "', or the host name is taken.", Map.of(), e);
        }
        changed(row.id());
        return get(row.id());
    }

    /** Removes a tenant from the registry; with {@code dropTables}, its tables and data too (its own database, if it has one). */
    public void delete(String id, boolean dropTables) {
        Optional<TenantRepository.Row> row = TenantContextIds.isReserved(id) ? Optional.empty() : repository.byId(id);
        if (row.isEmpty()) {
            throw AppException.notFound("No tenant with id '" + id + "'.");
        }
        TenantRepository.Placement placement = row.get().placement();
        if (dropTables && placement.ownDatabase() && !placements.serverExists(placement.dbServer())) {
            throw new AppException(
                    ErrorCode.CONFLICT,
                    "Tenant '" + id + "' lives on database server '" + placement.dbServer()
                            + "', which is not configured (TESELA_DB_SERVERS): configure it to drop the database, or delete without dropping.");
        }
        if (!repository.delete(id)) {
            throw AppException.notFound("No tenant with id '" + id + "'.");
        }
        if (dropTables) {
            migrator.dropTenant(directory.placementOf(id, row.get().placement()));
        }
        changed(id);
    }

    /** Empties every instance's resolver cache (after the registry was changed by hand, say). */
    public void refreshCaches() {
        changed("*");
    }

    /** One tenant's outcome of {@link #migrateAll}. {@code error} is null on success. */
    public record MigrationOutcome(String tenantId, int applied, String error) {}

    /** Migrates every tenant's schema, {@code parallelism} at a time; one tenant's failure does not stop the others. */
    public List<MigrationOutcome> migrateAll(int parallelism) {
        List<TenantRecord> tenants = list();
        List<MigrationOutcome> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism))) {
            List<Future<MigrationOutcome>> futures = new ArrayList<>();
            for (TenantRecord t : tenants) {
                futures.add(pool.submit(() -> migrateOne(t.id())));
            }
            for (Future<MigrationOutcome> f : futures) {
                try {
                    outcomes.add(f.get());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return outcomes;
    }

    public MigrationOutcome migrateOne(String id) {
        TenantPlacement tables = contextOf(id).placement();
        try {
            return new MigrationOutcome(id, migrator.migrateTenant(tables), null);
        } catch (RuntimeException e) {
            return new MigrationOutcome(id, 0, e.getMessage());
        }
    }

    private void changed(String id) {
        directory.changed(id);
    }

    /** {@code plan}: the row's plan, already read (empty when it has none or it no longer exists). */
    private TenantRecord toRecord(TenantRepository.Row row, Optional<PlanRecord> plan) {
        Map<String, String> env = environment.tenantEnv(row);
        return new TenantRecord(
                row.id(),
                row.hostname(),
                row.planId(),
                row.limitsJson(),
                env,
                row.enabled(),
                row.createdAt(),
                row.updatedAt(),
                row.lastJobAt(),
                environment.effectiveLimits(plan, row.limitsJson()),
                environment.effectiveEnv(plan, env),
                directory.placementOf(row.id(), row.placement()));
    }

    // ----------------------------------------------------------------------------------------------------- plans

    /** Creates a plan. Ids follow the tenant id rules. */
    public PlanRecord createPlan(TenantCommands.PlanChange command) {
        return createPlan(command, Map.of());
    }

    /** {@link #createPlan(TenantCommands.PlanChange)}, reporting {@code inputProblems} with the registry's own. */
    PlanRecord createPlan(TenantCommands.PlanChange command, Map<String, String> inputProblems) {
        String id = command.id() == null ? "" : command.id().strip();
        Map<String, String> errors = new LinkedHashMap<>(inputProblems);
        if (!ID.matcher(id).matches()) {
            errors.putIfAbsent(
                    "id", "Plan id must be 1 to 16 characters of a-z, 0-9, _ and -, starting with a letter or digit.");
        }
        String limits = command.limitsJson()
                .filter(j -> !j.isBlank() && !j.strip().equals("null"))
                .map(j -> TenantValues.limits(j, errors))
                .orElse(null);
        command.env().ifPresent(env -> TenantValues.env(env, errors));
        if (!errors.isEmpty()) {
            throw AppException.invalid(errors);
        }
        if (plans.byId(id).isPresent()) {
            throw new AppException(ErrorCode.CONFLICT, "A plan with id '" + id + "' already exists.");
        }
        Instant now = clock.instant();
        plans.insert(new PlanRepository.Row(
                id, limits, environment.sealPlanEnv(id, command.env().orElse(Map.of())), now, now));
        return getPlan(id);
    }

    public PlanRecord getPlan(String id) {
        return plans.byId(id)
                .map(environment::plan)
                .orElseThrow(() -> AppException.notFound("No plan with id '" + id + "'."));
    }

    public List<PlanRecord> listPlans() {
        return plans.all().stream().map(environment::plan).toList();
    }

    /** Changes a plan; every tenant on it sees the change at once. */
    public PlanRecord editPlan(TenantCommands.PlanChange command) {
        return editPlan(command, Map.of());
    }

    /** {@link #editPlan(TenantCommands.PlanChange)}, reporting {@code inputProblems} with the registry's own. */
    PlanRecord editPlan(TenantCommands.PlanChange command, Map<String, String> inputProblems) {
        PlanRepository.Row row = plans.byId(command.id())
                .orElseThrow(() -> AppException.notFound("No plan with id '" + command.id() + "'."));
        Map<String, String> errors = new LinkedHashMap<>(inputProblems);
        String limits = row.limitsJson();
        if (command.limitsJson().isPresent()) {
            String json = command.limitsJson().get();
            limits = json.isBlank() || json.strip().equals("null") ? null : TenantValues.limits(json, errors);
        }
        command.env().ifPresent(env -> TenantValues.env(env, errors));
        if (!errors.isEmpty()) {
            throw AppException.invalid(errors);
        }
        byte[] env = command.env().isPresent()
                ? environment.sealPlanEnv(row.id(), command.env().get())
                : row.envSealed();
        plans.update(new PlanRepository.Row(row.id(), limits, env, row.createdAt(), clock.instant()));
        changed("plan:" + row.id());
        return getPlan(row.id());
    }

    /** Deletes a plan; its tenants keep running without one. */
    public void deletePlan(String id) {
        if (!plans.delete(id)) {
            throw AppException.notFound("No plan with id '" + id + "'.");
        }
        changed("plan:" + id);
    }

    /** Parses {@code json} as a JSON object of scalar values into strings (for --env). */
    public static Map<String, String> parseEnv(String json) {
        return TenantEnvironment.parseEnv(json);
    }

    private Optional<String> idProblem(String id) {
        if (!ID.matcher(id).matches()) {
            return Optional.of(
                    "Tenant id must be 1 to 16 characters of a-z, 0-9, _ and -, starting with a letter or digit.");
        }
        if (TenantContextIds.isReserved(id)) {
            return Optional.of("Tenant id '" + id + "' is reserved.");
        }
        for (String table : SchemaTables.TENANT) {
            if (table.startsWith(tableSafe(id) + "_")) {
                return Optional.of("Tenant id '" + id + "' clashes with the table " + table + "; choose another.");
            }
        }
        if (directory.prefixFor(id).length() > MAX_PREFIX_LENGTH) {
            return Optional.of("Tenant id '" + id + "' is too long for the table prefix in use (at most "
                    + (MAX_PREFIX_LENGTH - directory.prefixFor("").length()) + " characters).");
        }
        return Optional.empty();
    }

    private Optional<String> hostnameProblem(String hostname) {
        if (!HOSTNAME.matcher(hostname).matches()) {
            return Optional.of("Host name '" + hostname
                    + "' is not valid: letters, digits, hyphens and dots, at most 255 characters.");
        }
        if (hostname.equals(directory.internalHostname())) {
            return Optional.of("Host name '" + hostname + "' is the provider's internal host name.");
        }
        return Optional.empty();
    }

    private static String normaliseHostname(String hostname) {
        return hostname == null ? "" : hostname.strip().toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
    }

    /** The id as it appears in table names (see {@link TenantDirectory#prefixFor}). */
    private static String tableSafe(String id) {
        return id.replace('-', '_');
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Ids no provider tenant may take. */
    static final class TenantContextIds {
        private TenantContextIds() {}

        static boolean isReserved(String id) {
            return dev.tesela.platform.context.TenantContext.DEFAULT_ID.equals(id);
        }
    }
}
