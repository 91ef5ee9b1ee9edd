package dev.tesela.account;

import dev.tesela.platform.context.Principal.Role;
import java.time.Instant;

/** A user as services and pages see it. Never carries secrets. */
public record UserView(
        long id, String username, String email, String displayName, Role role, String status, Instant createdAt) {}
