package dev.tesela.platform.context;

/** Who is acting: a visitor, a signed-in user, or the system itself (CLI, jobs). */
public sealed interface Principal {
    record Guest() implements Principal {}

    /** A signed-in user. {@code sessionId} is null when the caller authenticated with an API key. */
    record User(long userId, String username, Role role, String sessionId) implements Principal {}

    record System() implements Principal {}

    Principal GUEST = new Guest();
    Principal SYSTEM = new System();

    default boolean isAdmin() {
        return switch (this) {
            case User u -> u.role() == Role.ADMIN;
            case System s -> true;
            case Guest g -> false;
        };
    }

    enum Role {
        USER("user"),
        MANAGER("manager"),
        ADMIN("admin");

        private final String key;

        Role(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Role byKey(String key) {
            for (Role r : values()) {
                if (r.key.equals(key)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown role " + key);
        }
    }
}
