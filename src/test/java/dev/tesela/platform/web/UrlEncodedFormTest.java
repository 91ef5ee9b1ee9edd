package dev.tesela.platform.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.error.AppException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming url-encoded parser (decoding, first-wins, spilling, limits, clean-up) and host name normalising. */
class UrlEncodedFormTest {
    @TempDir
    Path temp;

    @Test
    void decodesLikeTheServletApiAndKeepsTheFirstOfARepeatedName() throws IOException {
        try (UrlEncodedForm form =
                read("title=Sunset+over+the+bay&tags=sea%2C%20sun&empty=&flag&title=second&x=a%3Db=c", 1)) {
            assertEquals("Sunset over the bay", form.value("title"));
            assertEquals("sea, sun", form.value("tags"));
            assertEquals("", form.value("empty"));
            assertEquals("", form.value("flag"));
            assertEquals("a=b=c", form.value("x"));
            assertNull(form.value("missing"));
        }
    }

    @Test
    void aLongSourceFieldIsSpilledToATempFileThatClosingDeletes() throws IOException {
        String base64 = "QUJD".repeat(20_000) + "%2B%2F";
        Path spilled;
        // Read a few bytes at a time, so escapes and the switch to the file fall across read boundaries.
        try (UrlEncodedForm form = read("key=k&source=" + base64 + "&title=t", 7)) {
            assertEquals("k", form.value("key"));
            assertEquals("t", form.value("title"));
            assertNull(form.value("source"), "not in memory");
            spilled = form.spilledFile("source").orElseThrow();
            assertArrayEquals(
                    ("QUJD".repeat(20_000) + "+/").getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(spilled));
            assertTrue(form.has("source"));
        }
        assertFalse(Files.exists(spilled), "closing the form deletes its spilled files");
    }

    @Test
    void oversizedOrMalformedFormsAreRefusedAndLeaveNoFile() throws IOException {
        for (String bad : List.of(
                "title=" + "x".repeat(UrlEncodedForm.MAX_FIELD_BYTES + 1),
                "source=" + "A".repeat(UrlEncodedForm.INLINE_BYTES + 10) + "%zz",
                "a=%4",
                "f=1&".repeat(UrlEncodedForm.MAX_FIELDS + 1),
                "n".repeat(UrlEncodedForm.MAX_NAME_BYTES + 1) + "=1")) {
            AppException e = assertThrows(
                    AppException.class, () -> read(bad, 4096).close(), bad.substring(0, Math.min(20, bad.length())));
            assertEquals(400, e.code().httpStatus());
            assertFalse(e.publicMessage().contains("Exception"), e.publicMessage());
        }
        try (var left = Files.list(temp)) {
            assertEquals(0, left.count(), "no temp file left");
        }
    }

    @Test
    void aFullyQualifiedHostNameResolvesLikeTheNameWithoutItsTrailingDot() {
        assertEquals("images.example.com", TenantEdge.hostname("images.example.com."));
        assertEquals("images.example.com", TenantEdge.hostname("Images.Example.COM.:8443"));
        assertEquals("images.example.com", TenantEdge.hostname("images.example.com:8080"));
        assertEquals("[::1]", TenantEdge.hostname("[::1]:8080"));
        assertEquals("", TenantEdge.hostname(null));
    }

    private UrlEncodedForm read(String body, int chunk) throws IOException {
        InputStream in = new FilterInputStream(new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
        return UrlEncodedForm.read(in, Set.of("source"), temp);
    }
}
