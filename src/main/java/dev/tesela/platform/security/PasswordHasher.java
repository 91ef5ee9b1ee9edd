package dev.tesela.platform.security;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * Argon2id password hashes in PHC string form ({@code $argon2id$v=19$m=...}). Verifies bcrypt hashes of
 * imported accounts too; {@link #needsRehash} tells the caller to store a fresh Argon2id hash after a
 * successful sign-in. Thread-safe.
 */
public final class PasswordHasher {
    /** OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane (~70 ms on the reference machine). */
    public static final PasswordHasher OWASP = new PasswordHasher(19_456, 2, 1);

    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    /**
     * Made at the first hash, not when the hasher is: password4j's instance preallocates its whole memory cost
     * (19 MiB of heap for OWASP) and keeps it for the life of the process, which a server nobody signs in to never
     * needs.
     */
    private volatile Argon2Function argon2;

    public PasswordHasher(int memoryKib, int iterations, int parallelism) {
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
    }

    public String hash(String password) {
        Argon2Function function = argon2;
        if (function == null) {
            function = Argon2Function.getInstance(memoryKib, iterations, parallelism, 32, Argon2.ID);
            argon2 = function; // a race makes at most one more short-lived instance; password4j keeps one per parameter
            // set
        }
        return Password.hash(password).addRandomSalt(16).with(function).getResult();
    }

    /** True when {@code password} matches {@code storedHash} (Argon2id or bcrypt); false for malformed hashes. */
    public boolean verify(String password, String storedHash) {
        if (storedHash == null || storedHash.isEmpty()) {
            return false;
        }
        try {
            if (storedHash.startsWith("$argon2")) {
                return Password.check(password, storedHash).with(Argon2Function.getInstanceFromHash(storedHash));
            }
            if (storedHash.startsWith("$2")) {
                return Password.check(password, storedHash).with(BcryptFunction.getInstanceFromHash(storedHash));
            }
        } catch (RuntimeException malformed) {
            return false;
        }
        return false;
    }

    /** True when the hash is not Argon2id with at least this hasher's cost. */
    public boolean needsRehash(String storedHash) {
        if (storedHash == null || !storedHash.startsWith("$argon2id$")) {
            return true;
        }
        Argon2Function stored = Argon2Function.getInstanceFromHash(storedHash);
        return stored.getMemory() < memoryKib || stored.getIterations() < iterations;
    }
}
