package dev.tesela.install;

import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.account.AccountService;
import dev.tesela.account.UserView;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.db.TenantDatabases;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import dev.tesela.settings.SettingsService;
import java.time.Clock;
import java.util.Optional;
import org.jooq.exception.IntegrityConstraintViolationException;

/**
 * Installing a site: default settings, the public-id salt and the first administrator, in one transaction. A site
 * is installed once; the marker variable is inserted first, so of two concurrent installs exactly one wins and
 * the other gets ALREADY_INSTALLED with nothing written.
 */
public final class InstallService {
    public static final String INSTALLED_VERSION = "installed_version";
    static final String INSTALLED_AT = "installed_at";
    static final String ID_SALT = "id_salt";

    private final TenantDatabases databases;
    private final SettingsService settings;
    private final AccountService accounts;
    private final String appVersion;
    private final Clock clock;

    public InstallService(TenantDatabases databases, SettingsService settings, AccountService accounts, String appVersion, Clock clock) {
        this.databases = databases;
        this.settings = settings;
        this.accounts = accounts;
        this.appVersion = appVersion;
        this.clock = clock;
    }

    /** The first administrator's account. */
    public record InstallCommand(String username, String email, String password) {}

    public boolean isInstalled(RequestContext rc) {
        return installedVersion(rc).isPresent();
    }

    public Optional<String> installedVersion(RequestContext rc) {
        return settings.variable(rc, INSTALLED_VERSION);
    }

    /**
     * Installs the site. Anyone may call it while the site is not installed (that is what the web installer is);
     * it acts as the system. Throws ALREADY_INSTALLED when the site was installed before.
     */
    public UserView install(RequestContext rc, InstallCommand command) {
        if (isInstalled(rc)) {
            throw alreadyInstalled();
        }
        if (command.email() == null || command.email().isBlank()) {
            throw AppException.invalid("email", "The administrator needs an e-mail address.");
        }
        RequestContext system = rc.withPrincipal(Principal.SYSTEM);
        try {
            return databases.of(rc).transactionResult(tx -> {
                var dsl = tx.dsl();
                settings.insertVariable(dsl, INSTALLED_VERSION, appVersion);
                settings.putVariable(dsl, INSTALLED_AT, clock.instant().toString());
                settings.putVariable(dsl, ID_SALT, Crypto.randomBase62(16));
                settings.seedDefaults(dsl);
                return accounts.createUser(system, dsl,
                        new CreateUser(command.username(), command.email(), command.password(), Principal.Role.ADMIN));
            });
        } catch (IntegrityConstraintViolationException raced) {
            if (isInstalled(rc)) {
                throw alreadyInstalled();
            }
            throw raced;
        }
    }

    private static AppException alreadyInstalled() {
        return new AppException(ErrorCode.ALREADY_INSTALLED, "This site is already installed.");
    }
}
