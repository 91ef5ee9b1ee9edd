package dev.tesela.media;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The "receive" step: streams an upload to a temp file under a byte cap, hashing on the way, so no upload is ever
 * held in memory whole. A refused or failed upload leaves no temp file behind.
 */
final class Receiver {
    private static final int BUFFER = 64 * 1024;
    private final Path tempDir;

    Receiver(Path tempDir) {
        this.tempDir = tempDir;
    }

    Path tempDir() {
        return tempDir;
    }

    /** A new empty temp file for a step of the pipeline; the caller deletes it. */
    Path newTempFile(String suffix) throws IOException {
        Files.createDirectories(tempDir);
        return Files.createTempFile(tempDir, "up-", suffix);
    }

    /** Copies {@code in} (closing it) to a temp file; refuses with PAYLOAD_TOO_LARGE beyond {@code maxBytes}. */
    ReceivedFile receive(InputStream in, long maxBytes, String clientName, String declaredType) throws IOException {
        Path file = newTempFile(".upload");
        boolean ok = false;
        try (in;
                OutputStream out = Files.newOutputStream(file)) {
            MessageDigest sha256 = digest("SHA-256");
            MessageDigest md5 = digest("MD5");
            byte[] buffer = new byte[BUFFER];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(maxBytes);
                }
                sha256.update(buffer, 0, n);
                md5.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
            if (total == 0) {
                throw AppException.invalid("source", "The file is empty.");
            }
            ok = true;
            HexFormat hex = HexFormat.of();
            return new ReceivedFile(
                    file, total, hex.formatHex(sha256.digest()), hex.formatHex(md5.digest()), clientName, declaredType);
        } finally {
            if (!ok) {
                Files.deleteIfExists(file);
            }
        }
    }

    static AppException tooLarge(long maxBytes) {
        return new AppException(
                ErrorCode.PAYLOAD_TOO_LARGE, "The file is too large: the limit is " + Sizes.format(maxBytes) + ".");
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
