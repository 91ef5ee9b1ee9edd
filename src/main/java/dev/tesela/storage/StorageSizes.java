package dev.tesela.storage;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as people write them for a storage's capacity ({@code 50GB}, {@code 500 MiB}, {@code 2T}, {@code 1048576})
 * and as it is shown back ({@code 50.0 GiB}). Units are 1024-based, as for TESELA_MAX_UPLOAD_SIZE. Stateless.
 */
public final class StorageSizes {
    private static final Pattern SIZE =
            Pattern.compile("^([0-9]{1,19})(?:\\.([0-9]{1,3}))? ?([KMGTP])?(?:I?B)?$", Pattern.CASE_INSENSITIVE);
    private static final String UNITS = "KMGTP";

    private StorageSizes() {}

    /**
     * The bytes of {@code text}: digits, an optional fraction of up to 3 digits, an optional unit K, M, G, T or P
     * (with an optional B or iB), 1024-based. {@code ""}, {@code none}, {@code unlimited} and {@code 0} are
     * unlimited (empty). IllegalArgumentException with a message for people when it is none of these.
     */
    public static OptionalLong parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || t.equalsIgnoreCase("none") || t.equalsIgnoreCase("unlimited") || t.equals("0")) {
            return OptionalLong.empty();
        }
        Matcher m = SIZE.matcher(t);
        if (m.matches()) {
            long unit = m.group(3) == null
                    ? 1
                    : 1L << (10 * (UNITS.indexOf(m.group(3).toUpperCase(Locale.ROOT)) + 1));
            try {
                java.math.BigDecimal value = new java.math.BigDecimal(
                                m.group(1) + (m.group(2) == null ? "" : "." + m.group(2)))
                        .multiply(java.math.BigDecimal.valueOf(unit));
                long bytes = value.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
                if (bytes > 0) {
                    return OptionalLong.of(bytes);
                }
            } catch (ArithmeticException tooLarge) {
                // refused below
            }
        }
        throw new IllegalArgumentException("must be a size such as 50GB, 500M or 2TiB (1024-based), or 'none' for"
                + " unlimited; got '" + t + "'");
    }

    /** {@code bytes} for people: {@code 512 B}, {@code 1.5 KiB}, {@code 50.0 GiB}. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = Math.min(UNITS.length(), (63 - Long.numberOfLeadingZeros(bytes)) / 10);
        return String.format(Locale.ROOT, "%.1f %siB", bytes / (double) (1L << (10 * unit)), UNITS.charAt(unit - 1));
    }
}
