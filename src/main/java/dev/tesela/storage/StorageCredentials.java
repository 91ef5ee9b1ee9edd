package dev.tesela.storage;

import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.security.SecretBox;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Seals and opens a storage's credentials with the tenant's secrets key ({@link TenantKeys#secrets()}, AES-256-GCM).
 * The associated data names the tenant, the storage id and the field, so a sealed value copied to another field,
 * another row or another tenant's table fails to open. Stored as base64 text. Thread-safe.
 */
final class StorageCredentials {
    /** The fields that hold a sealed value. */
    enum Field {
        KEY,
        SECRET
    }

    private final String tenantId;
    private final SecretBox box;

    StorageCredentials(String tenantId, TenantKeys keys) {
        this.tenantId = tenantId;
        this.box = new SecretBox(keys.secrets());
    }

    String seal(long storageId, Field field, String clear) {
        return Base64.getEncoder()
                .encodeToString(box.seal(clear.getBytes(StandardCharsets.UTF_8), aad(storageId, field)));
    }

    /**
     * Opens a sealed value; IllegalStateException naming the storage when it cannot be (another key, another row, or
     * tampered with: the tenant's key material changed since it was sealed, or the row was edited by hand).
     */
    String open(long storageId, Field field, String sealed) {
        try {
            return new String(
                    box.open(Base64.getDecoder().decode(sealed), aad(storageId, field)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The " + field.name().toLowerCase(java.util.Locale.ROOT)
                    + " of storage " + storageId + " cannot be decrypted (the site's key changed, or the row was"
                    + " copied or edited by hand): set it again with storage-edit.");
        }
    }

    private String aad(long storageId, Field field) {
        return "tesela/tenant/" + tenantId + "/storage/" + storageId + "/"
                + field.name().toLowerCase(java.util.Locale.ROOT);
    }
}
