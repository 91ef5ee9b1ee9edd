package dev.tesela.install;

import dev.tesela.account.AccountCommands.CreateUser;
import dev.tesela.account.AccountService;
import dev.tesela.account.UserView;
import dev.tesela.platform.context.Principal;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.SiteState;
import dev.tesela.platform.db.Tx;
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
    public static final String INSTALLED_VERSION = SiteState.INSTALLED_VERSION;
    static final String INSTALLED_AT = "installed_at";
    static final String ID_SALT = SiteState.ID_SALT;

    private final SettingsService settings;
    private final AccountService accounts;
    private final String appVersion;
    private final Clock clock;

    public InstallService(SettingsService settings, AccountService accounts, String appVersion, Clock clock) {
        this.settings = settings;
        this.accounts = accounts;
        this.appVersion = appVersion;
        this.clock = clock;
    }

    /** The first administrator's account. */
    public record InstallCommand(String username, String email, String password) {}

    /** Whether the site is installed, as its runtime knows (replaced on every instance when a site is installed). */
    public boolean isInstalled(RequestContext rc) {
        return rc.tenant().installed();
    }

    /** The version the site was installed with, read from its tables now. */
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
        // Checked and hashed before the transaction: no CPU-heavy work while it holds its locks.
        AccountService.NewAccount account = accounts.prepare(
                system, new CreateUser(command.username(), command.email(), command.password(), Principal.Role.ADMIN));
        UserView admin;
        try {
            admin = Tx.run(system, tx -> {
                settings.insertVariable(tx, INSTALLED_VERSION, appVersion);
                settings.putVariable(tx, INSTALLED_AT, clock.instant().toString());
                settings.putVariable(tx, ID_SALT, Crypto.randomBase62(16));
                settings.seedDefaults(tx);
                return accounts.record(tx, account);
            });
        } catch (IntegrityConstraintViolationException raced) {
            if (installedVersion(rc).isPresent()) {
                throw alreadyInstalled();
            }
            throw raced;
        }
        settings.announceChange(rc);
        return admin;
    }

    private static AppException alreadyInstalled() {
        return new AppException(ErrorCode.ALREADY_INSTALLED, "This site is already installed.");
    }
}
