package dev.tesela.platform.security;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

/**
 * Public ids: numeric ids written in base 62 with a per-site permuted alphabet, so URLs do not reveal how many
 * files a site holds or let anyone walk them in order. Compatible with Chevereto's "crypt-salted ids": the
 * alphabet {@code a-z0-9A-Z} is sorted by the SHA-256 hex of the salt, character by character (hash character
 * descending, alphabet character ascending on ties), and a non-zero padding multiplies the id before encoding.
 *
 * <p>Obfuscation, not encryption: the salt only has to stay out of URLs. Immutable, thread-safe.
 */
public final class PublicIds {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int BASE = ALPHABET.length();
    /** Digits of the largest long in base 62 (62^11 > 2^63 - 1 > 62^10). */
    private static final int MAX_DIGITS = 11;

    private final char[] digits;
    /** Digit value of each ASCII character, -1 for characters outside the alphabet. */
    private final byte[] values = new byte[128];

    private final long padding;

    /**
     * @param salt    the site's salt (not null; any string)
     * @param padding multiplier applied before encoding, 0 for none (Chevereto installs use 999)
     */
    public PublicIds(String salt, int padding) {
        if (salt == null) {
            throw new IllegalArgumentException("salt is null");
        }
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be 0 or more: " + padding);
        }
        this.padding = padding;
        String hash = Crypto.sha256Hex(salt);
        Integer[] order = new Integer[BASE];
        Arrays.setAll(order, i -> i);
        Arrays.sort(
                order,
                Comparator.<Integer>comparingInt(i -> hash.charAt(i))
                        .reversed()
                        .thenComparingInt(i -> ALPHABET.charAt(i)));
        digits = new char[BASE];
        Arrays.fill(values, (byte) -1);
        for (int value = 0; value < BASE; value++) {
            digits[value] = ALPHABET.charAt(order[value]);
            values[digits[value]] = (byte) value;
        }
    }

    /** The permuted alphabet: the character for digit value 0 first. */
    public String alphabet() {
        return new String(digits);
    }

    /**
     * The public form of {@code id} (≥ 1): {@code id × padding} (or {@code id} when padding is 0) in base 62, most
     * significant digit first. IllegalArgumentException when the id is below 1 or too large to pad within a long.
     */
    public String encode(long id) {
        if (id < 1) {
            throw new IllegalArgumentException("ids start at 1: " + id);
        }
        long value;
        try {
            value = padding > 0 ? Math.multiplyExact(id, padding) : id;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("id too large to encode with padding " + padding + ": " + id, e);
        }
        char[] out = new char[MAX_DIGITS];
        int start = out.length;
        do {
            out[--start] = digits[(int) (value % BASE)];
            value /= BASE;
        } while (value > 0);
        return new String(out, start, out.length - start);
    }

    /**
     * Lenient decoding, as Chevereto does it (admin tools, old links): characters outside the alphabet count as
     * digit 0 and the value is divided by the padding, dropping any remainder. Returns 0 for null, empty strings and
     * values beyond the long range. Public URLs should use {@link #decodeStrict}.
     */
    public long decode(String encoded) {
        if (encoded == null) {
            return 0;
        }
        long value = 0;
        try {
            for (int i = 0; i < encoded.length(); i++) {
                char c = encoded.charAt(i);
                int digit = c < values.length && values[c] >= 0 ? values[c] : 0;
                value = Math.addExact(Math.multiplyExact(value, BASE), digit);
            }
        } catch (ArithmeticException tooLarge) {
            return 0;
        }
        return padding > 0 ? value / padding : value;
    }

    /**
     * The id whose {@link #encode encoding} is exactly {@code encoded}, or empty: for null or empty strings,
     * characters outside the alphabet, more than 11 characters, values beyond the long range, values that are not
     * a multiple of the padding, a leading zero digit (another spelling of a shorter id) and id 0.
     */
    public Optional<Long> decodeStrict(String encoded) {
        if (encoded == null || encoded.isEmpty() || encoded.length() > MAX_DIGITS) {
            return Optional.empty();
        }
        long value = 0;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c >= values.length || values[c] < 0) {
                return Optional.empty();
            }
            try {
                value = Math.addExact(Math.multiplyExact(value, BASE), values[c]);
            } catch (ArithmeticException tooLarge) {
                return Optional.empty();
            }
        }
        if (encoded.length() > 1 && values[encoded.charAt(0)] == 0) {
            return Optional.empty();
        }
        if (padding > 0 && value % padding != 0) {
            return Optional.empty();
        }
        long id = padding > 0 ? value / padding : value;
        return id >= 1 ? Optional.of(id) : Optional.empty();
    }
}
