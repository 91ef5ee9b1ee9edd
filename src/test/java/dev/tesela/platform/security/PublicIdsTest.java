package dev.tesela.platform.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** PublicIds against the vectors of the Chevereto spec (§2.3) and its own round-trip and strictness contracts. */
class PublicIdsTest {
    private static final String CHANGEME_ALPHABET = "FYyQz7hsZjtdITe4GL39AKNOSXp2Bcu5DUiqw16MRb0WkloCgrvPV8mxEHJafn";
    private final PublicIds unpadded = new PublicIds("changeme", 0);
    private final PublicIds padded = new PublicIds("changeme", 999);

    @Test
    void theSaltPermutesTheAlphabet() {
        assertEquals(CHANGEME_ALPHABET, unpadded.alphabet());
        assertEquals(CHANGEME_ALPHABET, padded.alphabet());
        String other = new PublicIds("another salt", 0).alphabet();
        assertNotEquals(CHANGEME_ALPHABET, other);
        assertEquals(62, other.chars().distinct().count());
        assertEquals(
                "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        .chars()
                        .sorted()
                        .boxed()
                        .toList(),
                other.chars().sorted().boxed().toList());
    }

    @ParameterizedTest
    @CsvSource({"0, 1, Y", "0, 1234, 9E", "999, 1, Gs", "999, 2, De", "999, 1234, 7tWA", "999, 999999, Y71WLs"})
    void specVectors(int padding, long id, String encoded) {
        PublicIds ids = new PublicIds("changeme", padding);
        assertEquals(encoded, ids.encode(id));
        assertEquals(id, ids.decode(encoded));
        assertEquals(Optional.of(id), ids.decodeStrict(encoded));
    }

    @Test
    void powersOfTheBaseAreEncodedExactly() {
        // 62^k: the reference implementation's floating-point digit count can get these wrong; integer arithmetic
        // cannot.
        long value = 1;
        for (int k = 0; k <= 10; k++) {
            String encoded = unpadded.encode(value);
            assertEquals(k + 1, encoded.length(), "62^" + k);
            assertEquals(CHANGEME_ALPHABET.charAt(1), encoded.charAt(0));
            assertEquals(String.valueOf(CHANGEME_ALPHABET.charAt(0)).repeat(k), encoded.substring(1));
            assertEquals(Optional.of(value), unpadded.decodeStrict(encoded));
            value *= 62;
        }
    }

    @Test
    void randomIdsRoundTrip() {
        Random random = new Random(7);
        PublicIds[] encoders = {
            padded, unpadded, new PublicIds("x8Kp2QvL", 999), new PublicIds("", 1), new PublicIds("s", 12345)
        };
        for (int i = 0; i < 20_000; i++) {
            long id = 1 + (long) (random.nextDouble() * 1e12);
            for (PublicIds ids : encoders) {
                String encoded = ids.encode(id);
                assertTrue(encoded.length() <= 11, encoded);
                assertEquals(id, ids.decode(encoded));
                assertEquals(Optional.of(id), ids.decodeStrict(encoded), encoded);
            }
        }
    }

    @Test
    void theLargestIdsRoundTrip() {
        assertEquals(Optional.of(Long.MAX_VALUE), unpadded.decodeStrict(unpadded.encode(Long.MAX_VALUE)));
        assertEquals(11, unpadded.encode(Long.MAX_VALUE).length());
        long largestPadded = Long.MAX_VALUE / 999;
        assertEquals(Optional.of(largestPadded), padded.decodeStrict(padded.encode(largestPadded)));
        assertThrows(IllegalArgumentException.class, () -> padded.encode(largestPadded + 1));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void idsStartAtOne(long id) {
        assertThrows(IllegalArgumentException.class, () -> padded.encode(id));
        assertThrows(IllegalArgumentException.class, () -> unpadded.encode(id));
    }

    @Test
    void lenientDecodingCountsStrangersAsZeroAndTruncates() {
        // "Gs" is 1 × 999; "GZ" is one more: not a multiple of the padding, still id 1 when lenient.
        assertEquals(1, padded.decode("GZ"));
        assertEquals(padded.decode("G" + CHANGEME_ALPHABET.charAt(0)), padded.decode("G!"));
        assertEquals(unpadded.decode("Y" + CHANGEME_ALPHABET.charAt(0)), unpadded.decode("Y-"));
        assertEquals(unpadded.decode("YF"), unpadded.decode("Yé"));
        assertEquals(0, padded.decode(""));
        assertEquals(0, padded.decode(null));
        assertEquals(0, unpadded.decode("nnnnnnnnnnnnnnnnnnnn"));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "GZ", // 1000: not a multiple of 999
                "G!",
                "G s",
                "Gs ",
                " Gs",
                "G-",
                "Gé",
                "G\u0000", // characters outside the alphabet
                "FGs", // leading zero digit: another spelling of "Gs"
                "F", // zero
                "nnnnnnnnnnn", // 11 digits beyond the long range
                "YFFFFFFFFFFF", // 12 digits
            })
    void strictDecodingRefuses(String encoded) {
        assertEquals(Optional.empty(), padded.decodeStrict(encoded));
    }

    @Test
    void strictDecodingWithoutPaddingRefusesOnlyMalformedStrings() {
        assertEquals(Optional.of(1000L), unpadded.decodeStrict("GZ"));
        assertEquals(Optional.empty(), unpadded.decodeStrict("FY"));
        assertEquals(Optional.empty(), unpadded.decodeStrict("F"));
        assertEquals(Optional.empty(), unpadded.decodeStrict("Y_"));
    }

    @Test
    void constructorArgumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new PublicIds(null, 999));
        assertThrows(IllegalArgumentException.class, () -> new PublicIds("salt", -1));
    }
}
