package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A store that cannot be opened (credentials that no longer decrypt) fails its calls as refused, and tries again. */
class LazyBlobStoreTest {

    @Test
    void aStoreThatCannotBeOpenedIsRefusedNotAnUntypedFailureAndIsTriedAgain() {
        AtomicInteger opens = new AtomicInteger();
        var store = new LazyBlobStore("s3:7:aws/photos", () -> {
            opens.incrementAndGet();
            throw new IllegalStateException("The secret of storage 7 cannot be decrypted");
        });
        var e = assertThrows(BlobStore.StoreRefusedException.class, () -> store.stat("a.png"));
        assertTrue(e.getMessage().contains("s3:7:aws/photos"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot be decrypted"), e.getMessage());
        assertThrows(BlobStore.StoreRefusedException.class, () -> store.open("a.png"));
        assertEquals(2, opens.get(), "a failure to open is not kept");
    }
}
