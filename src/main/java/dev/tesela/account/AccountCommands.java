package dev.tesela.account;

import java.util.Optional;

/** Inputs and results of AccountService. */
public final class AccountCommands {
    private AccountCommands() {}

    /** Create an account. {@code email} may be null for users made from the CLI. */
    public record CreateUser(
            String username, String email, String password, dev.tesela.platform.context.Principal.Role role) {}

    /** Sign in with a username or e-mail. {@code remember} asks for a long-lived login cookie. */
    public record SignIn(String login, String password, boolean remember, String userAgent) {}

    /**
     * A successful sign-in: the session token for the session cookie and, when asked for, the login cookie value
     * ({@code <id>.<token>}) to keep the user signed in after the session ends.
     */
    public record SignedIn(UserView user, String sessionToken, Optional<String> loginCookie) {}

    /**
     * A password set by {@code resetPassword}: the user's username (however they were named), the new password, and
     * how many of the user's API keys were revoked with it (0 when keys were kept).
     */
    public record PasswordReset(String username, String password, int apiKeysRevoked) {}
}
