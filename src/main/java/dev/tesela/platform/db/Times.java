package dev.tesela.platform.db;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Timestamps are stored as UTC wall-clock values in every vendor; these convert at the repository boundary. */
public final class Times {
    private Times() {}

    /** {@code instant} as UTC, truncated to microseconds (the finest precision all three vendors keep). */
    public static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    public static Instant instant(LocalDateTime utc) {
        return utc == null ? null : utc.toInstant(ZoneOffset.UTC);
    }
}
