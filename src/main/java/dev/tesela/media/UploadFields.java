package dev.tesela.media;

import dev.tesela.platform.context.Principal;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.security.PublicIds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated optional fields of an upload (the form, the API parameters): the part of the "check" step that needs
 * nothing but the request and the site's settings. Text is cleaned of control characters and cut to the column sizes;
 * anything invalid is refused with INVALID_INPUT naming every bad field at once.
 *
 * @param albumId   the encoded public id of an album, as sent (whether the caller may use it is checked later)
 * @param width     resize to this width (0: keep the size)
 * @param expiresAt when the image expires, or null
 */
record UploadFields(
        Optional<String> title,
        Optional<String> description,
        List<String> tags,
        Optional<String> albumId,
        Optional<Long> categoryId,
        int width,
        boolean nsfw,
        Instant expiresAt) {
    private static final Pattern TAG = Pattern.compile("^[\\p{L}\\p{N} _.-]{1,32}$");
    static final int MAX_TAGS = 20;
    static final Duration MIN_EXPIRY = Duration.ofMinutes(5);
    static final Duration MAX_EXPIRY = Duration.ofDays(366);

    /** Validates {@code r} for {@code principal} under the site's settings; INVALID_INPUT lists every bad field. */
    static UploadFields parse(UploadRequest r, MediaSettings site, Principal principal, Clock clock) {
        Map<String, String> errors = new LinkedHashMap<>();
        Optional<String> title = text(r.title())
                .map(t -> truncate(t.replaceAll("\\p{Cntrl}", " ").strip(), 100));
        Optional<String> description =
                text(r.description()).map(d -> truncate(d.replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", ""), 5000));
        List<String> tags = new ArrayList<>();
        text(r.tags()).ifPresent(raw -> {
            LinkedHashSet<String> unique = new LinkedHashSet<>();
            for (String t : raw.split(",")) {
                String tag = t.strip().toLowerCase(Locale.ROOT);
                if (tag.isEmpty()) {
                    continue;
                }
                if (!TAG.matcher(tag).matches()) {
                    errors.put("tags", "Tags are up to 32 letters, digits, spaces, dots, dashes or underscores each.");
                }
                unique.add(tag);
            }
            if (unique.size() > MAX_TAGS) {
                errors.put("tags", "At most " + MAX_TAGS + " tags per image.");
            }
            tags.addAll(unique);
        });
        Optional<Long> category = text(r.categoryId()).flatMap(c -> {
            try {
                return Optional.of(Long.parseLong(c));
            } catch (NumberFormatException e) {
                errors.put("category_id", "The category id must be a number.");
                return Optional.empty();
            }
        });
        int width = text(r.width())
                .map(w -> {
                    try {
                        int value = Integer.parseInt(w);
                        if (value < 1 || value > 50_000) {
                            throw new NumberFormatException();
                        }
                        return value;
                    } catch (NumberFormatException e) {
                        errors.put("width", "The width must be a whole number of pixels from 1 to 50000.");
                        return 0;
                    }
                })
                .orElse(0);
        boolean nsfw = text(r.nsfw())
                .map(n -> n.equals("1") || n.equalsIgnoreCase("true"))
                .orElse(false);
        Instant expiresAt = null;
        if (site.expirableUploads()) {
            Optional<String> expiration = principal instanceof Principal.Guest
                            && !site.guestExpiration().isBlank()
                    ? Optional.of(site.guestExpiration())
                    : text(r.expiration());
            if (expiration.isPresent()) {
                Optional<Duration> d = parseExpiration(expiration.get());
                if (d.isEmpty()) {
                    errors.put(
                            "expiration",
                            "The expiration must be an ISO-8601 duration such as PT5M or P3D, or a number of seconds.");
                } else {
                    Duration clamped = d.get().compareTo(MIN_EXPIRY) < 0
                            ? MIN_EXPIRY
                            : d.get().compareTo(MAX_EXPIRY) > 0 ? MAX_EXPIRY : d.get();
                    expiresAt = clock.instant().plus(clamped);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw AppException.invalid(errors);
        }
        return new UploadFields(
                title, description, List.copyOf(tags), text(r.albumId()), category, width, nsfw, expiresAt);
    }

    /** The same fields with only the first {@code max} tags (TAGS_PER_FILE: extra tags are dropped). */
    UploadFields withTagsCappedAt(java.util.OptionalLong max) {
        if (max.isEmpty() || tags.size() <= max.getAsLong()) {
            return this;
        }
        return new UploadFields(
                title,
                description,
                tags.subList(0, (int) max.getAsLong()),
                albumId,
                categoryId,
                width,
                nsfw,
                expiresAt);
    }

    /** The album's row id, when an album id was sent and is a canonical id of this site. */
    Optional<Long> album(PublicIds ids) {
        return albumId.flatMap(ids::decodeStrict);
    }

    private static Optional<String> text(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }

    /** ISO-8601 duration (PT5M, P3D, P1M, P1Y, P2W) or digits meaning seconds; empty when it is neither. */
    static Optional<Duration> parseExpiration(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.matches("\\d{1,12}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(s)));
        }
        try {
            return Optional.of(Duration.parse(s));
        } catch (java.time.format.DateTimeParseException notTimeBased) {
            try {
                java.time.Period p = java.time.Period.parse(s);
                if (p.isNegative()) {
                    return Optional.empty();
                }
                return Optional.of(Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays()));
            } catch (java.time.format.DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }

    /** A title made from the client's file name ("my_holiday--photo.JPG" → "my holiday photo"), or null. */
    static String titleFromName(String clientName) {
        if (clientName == null || clientName.isBlank()) {
            return null;
        }
        String base = clientName.replaceAll("^.*[/\\\\]", "");
        int dot = base.lastIndexOf('.');
        if (dot >= 0) {
            base = base.substring(0, dot);
        }
        String title =
                base.replaceAll("[-_\\s]+", " ").replaceAll("\\p{Cntrl}", "").strip();
        return title.isEmpty() ? null : truncate(title, 100);
    }

    /** {@code s} cut to at most {@code max} characters; null stays null. */
    static String truncate(String s, int max) {
        if (s == null) {
            return null;
        }
        return s.length() <= max ? s : s.substring(0, max);
    }
}
