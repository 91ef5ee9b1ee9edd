package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BlobKeysTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "photo.jpeg", "2026/11/23/photo.th.jpeg", "a/b/c/d", "a..b", "a.", "x_y-z.Z9", "-"})
    void validKeysAreReturnedAsTheyAre(String key) {
        assertEquals(key, BlobKeys.requireValid(key));
    }

    @Test
    void theLengthLimitIs255() {
        assertEquals(255, BlobKeys.requireValid("k".repeat(255)).length());
        assertThrows(IllegalArgumentException.class, () -> BlobKeys.requireValid("k".repeat(256)));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''        | empty",
                "/abs      | absolute",
                "a//b      | empty segment",
                "a/        | empty segment",
                "a/./b     | '.'",
                "../x      | '..'",
                "a/..      | '..'",
                ".hidden   | starting with '.'",
                "...       | starting with '.'",
                "a/.staging/b | starting with '.'",
                ".tmp-x    | starting with '.'",
                "a\\b      | outside",
                "é.png     | outside",
                "a b       | outside",
                "a?b       | outside",
            })
    void invalidKeysAreRefusedNamingTheProblem(String key, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobKeys.requireValid(key));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void nullIsRefusedAndMessagesDoNotEchoTheKey() {
        assertThrows(IllegalArgumentException.class, () -> BlobKeys.requireValid(null));
        String hostile = "<script>" + "x".repeat(300);
        assertFalse(assertThrows(IllegalArgumentException.class, () -> BlobKeys.requireValid(hostile))
                .getMessage()
                .contains("<script>"));
    }
}
