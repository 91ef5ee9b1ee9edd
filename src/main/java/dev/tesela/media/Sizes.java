package dev.tesela.media;

import java.util.Locale;

/**
 * Human-readable byte sizes ("1.5 MB") in binary units (1 MB = 1024 KB), the units the size settings are given in,
 * so a 50 MB limit shows as "50 MB".
 */
final class Sizes {
    private Sizes() {}

    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(
                Locale.ROOT, value >= 100 || value == Math.rint(value) ? "%.0f %s" : "%.1f %s", value, units[unit]);
    }
}
