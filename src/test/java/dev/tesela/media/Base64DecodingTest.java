package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tesela.platform.error.AppException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming base64 decoder agrees with the JDK's on canonical text, however the text is split into reads. */
class Base64DecodingTest {
    @Test
    void decodesCanonicalTextAcrossAnyReadBoundaries() throws IOException {
        Random random = new Random(7);
        for (int size : new int[] {1, 2, 3, 4, 5, 100, 16 * 1024 + 1, 70_000}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            String text = Base64.getMimeEncoder().encodeToString(data); // with CRLF every 76 characters
            for (int chunk : new int[] {1, 3, 4096, 1 << 20}) {
                try (InputStream in = new Base64Decoding(chunked(text, chunk))) {
                    assertArrayEquals(data, in.readAllBytes(), size + " bytes read " + chunk + " at a time");
                }
            }
        }
    }

    @Test
    void refusesWhatIsNotCanonicalBase64() {
        for (String bad : List.of(
                "",
                "  \r\n",
                "data:image/png;base64,AQID",
                "AQI",
                "AQ==ID",
                "A*ID",
                "AQJ=",
                "AQ=",
                "A===",
                "AQID=",
                "AQ==\n=",
                "é")) {
            assertThrows(AppException.class, () -> new Base64Decoding(chunked(bad, 1)).readAllBytes(), bad);
        }
    }

    private static InputStream chunked(String text, int chunk) {
        return new FilterInputStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }
}
