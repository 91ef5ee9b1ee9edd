package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The URL rules of a storage's endpoint and public URL, and what their messages repeat. */
class StorageUrlsTest {

    @Test
    void onlyHttpUrlsWithAHostAndNoCredentialsAreTakenAndCredentialsAreNeverRepeated() {
        assertEquals(Optional.empty(), StorageService.urlProblem("https://cdn.example.com/img/", true));
        assertEquals(Optional.empty(), StorageService.urlProblem("http://127.0.0.1:9000", false));
        for (String bad : new String[] {"javascript:alert(1)//", "data:text/html,x/", "ftp://h/", "file:///etc/"}) {
            assertTrue(StorageService.urlProblem(bad, true).orElseThrow().contains("http"), bad);
        }
        assertTrue(StorageService.urlProblem("https://cdn.example.com/img", true)
                .orElseThrow()
                .contains("end with '/'"));
        for (String withSecret : new String[] {
            "https://AKID:s3cr3t-value@s3.example.com/",
            "https://AKID:s3cr3t-value@s3.example.com",
            "ftp://AKID:s3cr3t-value@s3.example.com/",
            "https://AKID:s3cr3t value@s3.example.com/"
        }) {
            String problem = StorageService.urlProblem(withSecret, true).orElseThrow();
            assertFalse(problem.contains("s3cr3t"), problem);
        }
    }
}
