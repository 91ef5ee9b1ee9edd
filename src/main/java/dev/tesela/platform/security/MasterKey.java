package dev.tesela.platform.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;

/**
 * The installation's 32-byte root secret: {@code TESELA_ENCRYPTION_KEY} when set, else a key generated once and
 * kept in {@code <data dir>/encryption.key} (mode 0600), so the embedded default is secure with no set-up.
 * Every other key (per tenant, per purpose) is derived from it with HKDF.
 */
public final class MasterKey {
    public static final String FILE_NAME = "encryption.key";

    private MasterKey() {}

    public static byte[] load(Optional<byte[]> configured, Path dataDir) {
        if (configured.isPresent()) {
            return configured.get().clone();
        }
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                String encoded = Base64.getEncoder().encodeToString(Crypto.randomBytes(32)) + "\n";
                try {
                    Files.writeString(file, encoded, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                    try {
                        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                    } catch (UnsupportedOperationException notPosix) {
                        // Non-POSIX file systems keep their default permissions.
                    }
                } catch (FileAlreadyExistsException raced) {
                    // Another process (e.g. the CLI) created it first; read theirs.
                }
            }
            byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (key.length != 32) {
                throw new IllegalStateException(file + " does not hold a base64 32-byte key");
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}
