package dev.tesela.tenancy;

import dev.tesela.account.AccountCommands.PasswordReset;
import dev.tesela.account.AccountService;
import dev.tesela.install.InstallService;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.context.TenantContext;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import dev.tesela.platform.security.Crypto;
import java.util.Optional;
import java.util.function.Function;

/**
 * The provider's actions on the user accounts inside one tenant (the Tenants API and CLI), acting as that tenant's
 * system principal. Callers are authorised at their own edge. Thread-safe.
 */
public final class TenantAccounts {
    /** Length of a password made up for the caller: letters and digits, about 95 bits. */
    public static final int GENERATED_PASSWORD_LENGTH = 16;

    private final TenantRegistry registry;
    private final InstallService installs;
    private final AccountService accounts;
    private final Function<TenantContext, RequestContext> systemContext;

    public TenantAccounts(
            TenantRegistry registry,
            InstallService installs,
            AccountService accounts,
            Function<TenantContext, RequestContext> systemContext) {
        this.registry = registry;
        this.installs = installs;
        this.accounts = accounts;
        this.systemContext = systemContext;
    }

    /**
     * Sets the password of {@code username} in tenant {@code tenantId} to {@code password}, or, when that is empty or
     * "", to a random one of {@value #GENERATED_PASSWORD_LENGTH} letters and digits; ends that user's sessions and
     * login cookies in that tenant only, and with {@code revokeApiKeys} deletes the user's API keys there too (else
     * they keep working). Returns the username, the new password and how many keys were revoked.
     *
     * @throws AppException NOT_FOUND for no such tenant or no such user in it; CONFLICT while the tenant is not
     *                      installed; INVALID_INPUT ({@code username}, {@code password}) for a missing username or a
     *                      password sign-up would refuse, leaving the old password valid
     */
    public PasswordReset resetPassword(
            String tenantId, String username, Optional<String> password, boolean revokeApiKeys) {
        if (username == null || username.isBlank()) {
            throw AppException.invalid("username", "The username is required.");
        }
        RequestContext rc = systemContext.apply(registry.contextOf(tenantId));
        if (!installs.isInstalled(rc)) {
            throw new AppException(
                    ErrorCode.CONFLICT, "Tenant '" + tenantId + "' is not installed yet; it has no users.");
        }
        String newPassword =
                password.filter(p -> !p.isEmpty()).orElseGet(() -> Crypto.randomBase62(GENERATED_PASSWORD_LENGTH));
        return accounts.resetPassword(rc, username, Optional.of(newPassword), revokeApiKeys);
    }
}
