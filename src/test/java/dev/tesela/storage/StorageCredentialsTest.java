package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.context.TenantKeys;
import dev.tesela.platform.security.Crypto;
import dev.tesela.storage.StorageCredentials.Field;
import org.junit.jupiter.api.Test;

/** A sealed credential opens only for the tenant, storage and field it was sealed for. */
class StorageCredentialsTest {
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static TenantKeys keys(byte[] secrets) {
        return new TenantKeys(Crypto.randomBytes(32), Crypto.randomBytes(32), Crypto.randomBytes(32), secrets);
    }

    @Test
    void aSealedValueCopiedToAnotherFieldRowTenantOrKeyDoesNotOpen() {
        byte[] material = Crypto.randomBytes(32);
        var site1 = new StorageCredentials("site1", keys(material));
        String sealed = site1.seal(3, Field.SECRET, SECRET);
        assertFalse(sealed.contains(SECRET));
        assertEquals(SECRET, site1.open(3, Field.SECRET, sealed));

        assertThrows(IllegalStateException.class, () -> site1.open(3, Field.KEY, sealed), "another field");
        assertThrows(IllegalStateException.class, () -> site1.open(4, Field.SECRET, sealed), "another row");
        // Another tenant, even one given the same key material, and the same tenant after its key changed.
        assertThrows(
                IllegalStateException.class,
                () -> new StorageCredentials("site2", keys(material)).open(3, Field.SECRET, sealed));
        var e = assertThrows(
                IllegalStateException.class,
                () -> new StorageCredentials("site1", keys(Crypto.randomBytes(32))).open(3, Field.SECRET, sealed));
        assertTrue(e.getMessage().contains("storage 3"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }
}
