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

    /**
     * Creates {@code file} holding {@code content}, readable by its owner only from the first byte on, and
     * atomically: the content is written to a private temp file that is then hard-linked into place, so no
     * reader ever sees a partial key. When another process got there first, its file is kept.
     */
    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Path tmp;
        try {
            tmp = Files.createTempFile(
                    file.getParent(),
                    ".key-",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            tmp = Files.createTempFile(file.getParent(), ".key-", ".tmp");
        }
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
            Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException raced) {
            // Another process (e.g. the CLI next to the server) created it first; use theirs.
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static byte[] load(Optional<byte[]> configured, Path dataDir) {
        if (configured.isPresent()) {
            return configured.get().clone();
        }
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                writeOwnerOnly(file, Base64.getEncoder().encodeToString(Crypto.randomBytes(32)) + "\n");
            }
            byte[] key = Base64.getDecoder()
                    .decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (key.length != 32) {
                throw new IllegalStateException(file + " does not hold a base64 32-byte key");
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}
