package dev.tesela.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.account.AccountCommands.PasswordReset;
import dev.tesela.account.AccountCommands.SignIn;
import dev.tesela.account.AccountCommands.SignedIn;
import dev.tesela.platform.config.TeselaConfig;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.context.TenantLimits;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.platform.security.PasswordHasher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * Accounts and authentication: users, passwords (Argon2id), sessions, "remember me" login cookies, API keys and
 * the daily per-IP limit on failed sign-ins. Every method takes the caller's RequestContext (or the tenant, for
 * the edge that builds one) and touches only that tenant's data.
 */
public final class AccountService implements dev.tesela.platform.jobs.TenantStatistics {
    public static final Pattern USERNAME = Pattern.compile("^[a-z0-9_]{3,16}$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+$");
    private static final int MIN_PASSWORD = 8;
    private static final int MAX_PASSWORD = 128;
    private static final String API_KEY_MARK = "tsk_";
    private static final int API_KEY_PREFIX_LENGTH = 12;
    private static final int API_KEY_SECRET_LENGTH = 32;
    /** How stale a login cookie's last-seen time may get before a request refreshes it. */
    private static final Duration LAST_SEEN_RESOLUTION = Duration.ofMinutes(5);

    private final SessionStore sessions;
    private final PasswordHasher hasher;
    private final TeselaConfig.Auth policy;
    private final Clock clock;
    private final AccountRepository repository = new AccountRepository();
    /** Login cookies whose last-seen time was written recently; keeps the write off most requests. */
    private final Cache<String, Boolean> recentlyTouchedCookies = Caffeine.newBuilder()
            .expireAfterWrite(LAST_SEEN_RESOLUTION)
            .maximumSize(100_000)
            .build();
    /** API keys whose last-used time was written recently; keeps the write off most API requests. */
    private final Cache<String, Boolean> recentlyTouchedKeys = Caffeine.newBuilder()
            .expireAfterWrite(LAST_SEEN_RESOLUTION)
            .maximumSize(100_000)
            .build();
    /**
     * A valid hash to verify against when the user does not exist, so timing does not reveal usernames. Made on the
     * first sign-in that needs it, not at wiring: every CLI command wires this service and most never sign anyone
     * in, and one Argon2id hash is ~70-100 ms of CPU. (Only that first unknown-user sign-in of a process is slower.)
     */
    private volatile String decoyHash;

    public AccountService(SessionStore sessions, PasswordHasher hasher, TeselaConfig.Auth policy, Clock clock) {
        this.sessions = sessions;
        this.hasher = hasher;
        this.policy = policy;
        this.clock = clock;
    }

    private String decoyHash() {
        String decoy = decoyHash;
        if (decoy == null) {
            synchronized (this) {
                decoy = decoyHash;
                if (decoy == null) {
                    decoy = hasher.hash(Crypto.randomBase62(24));
                    decoyHash = decoy;
                }
            }
        }
        return decoy;
    }

    /** The account counters of a tenant's statistics: users, and of them administrators and managers. */
    @Override
    public void count(RequestContext rc, Map<String, Long> into) {
        DSLContext dsl = rc.db().dsl();
        into.put("users", repository.countUsers(dsl, null));
        into.put("admins", repository.countUsers(dsl, Principal.Role.ADMIN));
        into.put("managers", repository.countUsers(dsl, Principal.Role.MANAGER));
    }

    /**
     * A user checked and ready to be stored: normalised names and the password's hash. Made by {@link #prepare}
     * outside any transaction (the hash is ~100 ms of CPU), stored by {@link #record}.
     */
    public record NewAccount(String username, String email, Principal.Role role, String passwordHash) {}

    /** Creates a user; admins and the system only ({@link #prepare} then {@link #record}). */
    public UserView createUser(RequestContext rc, CreateUser command) {
        return record(rc, prepare(rc, command));
    }

    /**
     * Checks a new user's fields (every problem at once) and hashes the password; touches no table, so a caller
     * can do it before opening the transaction {@link #record} joins. Admins and the system only.
     */
    public NewAccount prepare(RequestContext rc, CreateUser command) {
        Access.require(rc, Access.Action.CREATE_USER, Access.Resource.SITE);
        String username = normaliseUsername(command.username());
        String email = command.email() == null || command.email().isBlank()
                ? null
                : command.email().strip().toLowerCase(Locale.ROOT);
        Map<String, String> errors = new LinkedHashMap<>();
        if (!USERNAME.matcher(username).matches()) {
            errors.put("username", "Username must be 3 to 16 characters: letters, digits or underscores.");
        }
        if (email != null && (email.length() > 255 || !EMAIL.matcher(email).matches())) {
            errors.put("email", "E-mail address is not valid.");
        }
        passwordProblem(command.password()).ifPresent(p -> errors.put("password", p));
        if (!errors.isEmpty()) {
            throw AppException.invalid(errors);
        }
        return new NewAccount(username, email, command.role(), hasher.hash(command.password()));
    }

    /**
     * Stores a prepared user, checking that the name and e-mail are free and the tenant's user limits; joins the
     * caller's transaction when {@code rc} is in one (see Tx). Admins and the system only.
     */
    public UserView record(RequestContext rc, NewAccount account) {
        Access.require(rc, Access.Action.CREATE_USER, Access.Resource.SITE);
        DSLContext dsl = rc.db().dsl();
        if (repository.usernameOrEmailTaken(dsl, account.username(), account.email())) {
            throw new AppException(ErrorCode.CONFLICT, "That username or e-mail address is already taken.");
        }
        rc.tenant().limits().requireRoomFor(TenantLimits.Limit.USERS, repository.countUsers(dsl, null));
        switch (account.role()) {
            case ADMIN ->
                rc.tenant()
                        .limits()
                        .requireRoomFor(TenantLimits.Limit.ADMINS, repository.countUsers(dsl, account.role()));
            case MANAGER ->
                rc.tenant()
                        .limits()
                        .requireRoomFor(TenantLimits.Limit.MANAGERS, repository.countUsers(dsl, account.role()));
            case USER -> {}
        }
        Instant now = clock.instant();
        long id = repository.insertUser(dsl, account.username(), account.email(), account.role(), rc.clientIp(), now);
        repository.putPasswordHash(dsl, id, account.passwordHash(), now);
        return new UserView(id, account.username(), account.email(), account.username(), account.role(), "valid", now);
    }

    /**
     * Signs in with a password. Refuses with TOO_MANY_REQUESTS once the caller's address reached the daily limit
     * of failed attempts; every failure counts toward it and a success clears it.
     */
    public SignedIn signIn(RequestContext rc, SignIn command) {
        DSLContext dsl = rc.db().dsl();
        Instant now = clock.instant();
        int failures = repository.countFailures(dsl, "login", rc.clientIp(), now.minus(Duration.ofDays(1)));
        if (failures >= policy.failedLoginsPerDay()) {
            throw new AppException(
                    ErrorCode.TOO_MANY_REQUESTS,
                    "Too many failed sign-in attempts from your address. Try again tomorrow.");
        }
        String login = command.login() == null ? "" : command.login().strip().toLowerCase(Locale.ROOT);
        String password = command.password() == null ? "" : command.password();
        Optional<UserView> user = login.isEmpty() ? Optional.empty() : repository.findUserByLogin(dsl, login);
        String storedHash =
                user.flatMap(u -> repository.passwordHash(dsl, u.id())).orElse(null);
        boolean ok = hasher.verify(password, storedHash == null ? decoyHash() : storedHash) && storedHash != null;
        if (!ok) {
            repository.recordRequest(
                    dsl, "login", false, rc.clientIp(), user.map(UserView::id).orElse(null), now);
            throw new AppException(ErrorCode.UNAUTHORIZED, "Wrong username, e-mail or password.");
        }
        UserView u = user.get();
        if ("banned".equals(u.status())) {
            throw AppException.forbidden("This account has been suspended.");
        }
        if (hasher.needsRehash(storedHash)) {
            repository.putPasswordHash(dsl, u.id(), hasher.hash(password), now);
        }
        repository.clearFailures(dsl, "login", rc.clientIp());
        repository.recordRequest(dsl, "login", true, rc.clientIp(), u.id(), now);
        repository.touchUser(dsl, u.id(), now);

        Optional<String> cookie = Optional.empty();
        Long cookieId = null;
        if (command.remember()) {
            String token = Crypto.randomBase62(43);
            cookieId = repository.insertLoginCookie(
                    dsl,
                    u.id(),
                    tokenHash(rc.tenant(), token),
                    rc.clientIp(),
                    truncate(command.userAgent(), 255),
                    now,
                    now.plus(policy.loginCookieLifetime()));
            cookie = Optional.of(cookieId + "." + token);
        }
        String sessionToken =
                sessions.create(rc.tenant(), new SessionStore.Session(u.id(), cookieId, now), policy.sessionIdle());
        return new SignedIn(u, sessionToken, cookie);
    }

    /** Ends the session and forgets the login cookie it came with (if any). Unknown tokens are ignored. */
    public void signOut(RequestContext rc, String sessionToken, String loginCookie) {
        if (sessionToken != null) {
            sessions.delete(rc.tenant(), sessionToken);
        }
        parseLoginCookie(loginCookie).ifPresent(parsed -> {
            DSLContext dsl = rc.db().dsl();
            repository
                    .findLoginCookie(dsl, parsed.id())
                    .filter(row -> Crypto.constantTimeEquals(row.tokenHash(), tokenHash(rc.tenant(), parsed.token())))
                    .ifPresent(row -> repository.deleteLoginCookie(dsl, row.id()));
        });
    }

    /** The user behind a session token, or empty. Refreshes the session and its login cookie's last-seen time. */
    public Optional<Principal.User> authenticateSession(
            TenantContext tenant, String sessionToken, String clientIp, String userAgent) {
        if (sessionToken == null || sessionToken.isBlank() || sessionToken.length() > 128) {
            return Optional.empty();
        }
        return sessions.findAndTouch(tenant, sessionToken, policy.sessionIdle()).flatMap(session -> {
            DSLContext dsl = tenant.db().dsl();
            Optional<UserView> user =
                    repository.findUserById(dsl, session.userId()).filter(u -> !"banned".equals(u.status()));
            if (user.isEmpty()) {
                sessions.delete(tenant, sessionToken);
                return Optional.empty();
            }
            if (session.loginCookieId() != null) {
                touchLoginCookie(tenant, dsl, session.loginCookieId(), clientIp, userAgent);
            }
            return user.map(u -> principal(u, SessionStore.storageKey(tenant, sessionToken)));
        });
    }

    /**
     * Signs in again from a "remember me" cookie when the session is gone: returns a fresh session, or empty when
     * the cookie is unknown, forged or expired (an expired one is deleted).
     */
    public Optional<SignedIn> resumeFromLoginCookie(RequestContext rc, String loginCookie, String userAgent) {
        var parsed = parseLoginCookie(loginCookie);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        DSLContext dsl = rc.db().dsl();
        Instant now = clock.instant();
        var row = repository
                .findLoginCookie(dsl, parsed.get().id())
                .filter(r -> Crypto.constantTimeEquals(
                        r.tokenHash(), tokenHash(rc.tenant(), parsed.get().token())));
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (!row.get().expiresAt().isAfter(now)) {
            repository.deleteLoginCookie(dsl, row.get().id());
            return Optional.empty();
        }
        Optional<UserView> user =
                repository.findUserById(dsl, row.get().userId()).filter(u -> !"banned".equals(u.status()));
        if (user.isEmpty()) {
            return Optional.empty();
        }
        repository.touchLoginCookie(dsl, row.get().id(), rc.clientIp(), truncate(userAgent, 255), now);
        recentlyTouchedCookies.put(rc.tenant().id() + ":" + row.get().id(), Boolean.TRUE);
        repository.touchUser(dsl, user.get().id(), now);
        String token = sessions.create(
                rc.tenant(), new SessionStore.Session(user.get().id(), row.get().id(), now), policy.sessionIdle());
        return Optional.of(new SignedIn(user.get(), token, Optional.empty()));
    }

    /**
     * The user owning an API key, or empty for an unknown or forged key or a banned user. Checked without a DB hit for
     * malformed keys; one query for the key and its user, and the key's last-used time is written at most once per
     * {@link #LAST_SEEN_RESOLUTION} (per instance), not on every request.
     */
    public Optional<Principal.User> authenticateApiKey(TenantContext tenant, String apiKey) {
        if (apiKey == null
                || apiKey.length() != API_KEY_MARK.length() + API_KEY_PREFIX_LENGTH + API_KEY_SECRET_LENGTH
                || !apiKey.startsWith(API_KEY_MARK)) {
            return Optional.empty();
        }
        String prefix = apiKey.substring(API_KEY_MARK.length(), API_KEY_MARK.length() + API_KEY_PREFIX_LENGTH);
        DSLContext dsl = tenant.db().dsl();
        return repository
                .findApiKeyWithUser(dsl, prefix)
                .filter(row -> Crypto.constantTimeEquals(row.keyHash(), tokenHash(tenant, apiKey)))
                .map(row -> {
                    String cacheKey = tenant.id() + ":key:" + row.keyId();
                    if (recentlyTouchedKeys.getIfPresent(cacheKey) == null) {
                        repository.touchApiKey(dsl, row.keyId(), clock.instant());
                        recentlyTouchedKeys.put(cacheKey, Boolean.TRUE);
                    }
                    return row.user();
                })
                .filter(u -> !"banned".equals(u.status()))
                .map(u -> principal(u, null));
    }

    /** Makes a new API key for {@code username} and returns it; only its hash is stored. Admins and the system only. */
    public String createApiKey(RequestContext rc, String username, String name) {
        Access.require(rc, Access.Action.CREATE_API_KEY, Access.Resource.SITE);
        DSLContext dsl = rc.db().dsl();
        UserView user = repository
                .findUserByLogin(dsl, normaliseUsername(username))
                .orElseThrow(() -> AppException.notFound("No user named '" + username + "'."));
        String prefix = Crypto.randomBase62(API_KEY_PREFIX_LENGTH);
        String key = API_KEY_MARK + prefix + Crypto.randomBase62(API_KEY_SECRET_LENGTH);
        repository.insertApiKey(dsl, user.id(), name, prefix, tokenHash(rc.tenant(), key), clock.instant());
        return key;
    }

    /**
     * Sets a new password (a random one of 24 letters and digits when {@code newPassword} is empty or "") for the user
     * named {@code username} (or with that e-mail address) in {@code rc}'s tenant, and returns it with the username.
     * Ends the user's sessions and login cookies there. With {@code revokeApiKeys}, also deletes every API key of
     * the user, in the same transaction as the new password (for a password that leaked with the keys); without,
     * the keys keep working. INVALID_INPUT for a password sign-up would refuse (nothing changed); NOT_FOUND for no
     * such user. Admins and the system only.
     */
    public PasswordReset resetPassword(
            RequestContext rc, String username, Optional<String> newPassword, boolean revokeApiKeys) {
        Access.require(rc, Access.Action.RESET_PASSWORD, Access.Resource.SITE);
        String password = newPassword.filter(p -> !p.isEmpty()).orElseGet(() -> Crypto.randomBase62(24));
        passwordProblem(password).ifPresent(p -> {
            throw AppException.invalid("password", p);
        });
        DSLContext dsl = rc.db().dsl();
        UserView user = repository
                .findUserByLogin(dsl, normaliseUsername(username))
                .orElseThrow(() -> AppException.notFound("No user named '" + username + "'."));
        String hash = hasher.hash(password);
        int revoked = dsl.transactionResult(tx -> {
            repository.putPasswordHash(tx.dsl(), user.id(), hash, clock.instant());
            repository.deleteLoginCookiesOfUser(tx.dsl(), user.id());
            return revokeApiKeys ? repository.deleteApiKeysOfUser(tx.dsl(), user.id()) : 0;
        });
        sessions.deleteAllForUser(rc.tenant(), user.id());
        return new PasswordReset(user.username(), password, revoked);
    }

    public Optional<UserView> findUser(RequestContext rc, String username) {
        return repository.findUserByLogin(rc.db().dsl(), normaliseUsername(username));
    }

    /** Last time the login cookie {@code id} was used, for "active sessions" displays and tests. */
    public Optional<Instant> loginCookieLastSeen(RequestContext rc, long loginCookieId) {
        return repository.loginCookieLastSeen(rc.db().dsl(), loginCookieId);
    }

    private void touchLoginCookie(TenantContext tenant, DSLContext dsl, long cookieId, String ip, String userAgent) {
        String cacheKey = tenant.id() + ":" + cookieId;
        if (recentlyTouchedCookies.getIfPresent(cacheKey) == null) {
            repository.touchLoginCookie(dsl, cookieId, ip, truncate(userAgent, 255), clock.instant());
            recentlyTouchedCookies.put(cacheKey, Boolean.TRUE);
        }
    }

    private static Principal.User principal(UserView u, String sessionId) {
        return new Principal.User(u.id(), u.username(), u.role(), sessionId);
    }

    private static String tokenHash(TenantContext tenant, String token) {
        return Crypto.hmacBase64(tenant.keys().tokens(), token);
    }

    private static String normaliseUsername(String username) {
        return username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
    }

    private static Optional<String> passwordProblem(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            return Optional.of("Password must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters.");
        }
        return Optional.empty();
    }

    private static String truncate(String s, int max) {
        return s == null ? null : s.length() <= max ? s : s.substring(0, max);
    }

    private record ParsedCookie(long id, String token) {}

    private static Optional<ParsedCookie> parseLoginCookie(String value) {
        if (value == null || value.length() > 128) {
            return Optional.empty();
        }
        int dot = value.indexOf('.');
        if (dot <= 0 || dot == value.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ParsedCookie(Long.parseLong(value.substring(0, dot)), value.substring(dot + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
