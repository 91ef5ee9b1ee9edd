package dev.tesela.platform.context;

/**
 * What a tenant may consume: the one definition of every limit ({@link Limit}). A tenant's values are carried by its
 * runtime ({@link TenantContext#limits()}, from plan &lt; tenant &lt; {@code TESELA_TENANT_ENFORCED}); services check
 * them where things are created and fail with {@code LIMIT_REACHED}, naming the limit.
 */
public final class TenantLimits {
    private TenantLimits() {}

    /**
     * Every limit, with the key it has in a plan's or tenant's limits JSON and the values it accepts. This enum is
     * the one definition of what a valid limit is: the registry refuses anything else when limits are stored, and
     * readers skip (and log) anything else they find stored from before.
     */
    public enum Limit {
        USERS("TESELA_MAX_USERS", "users"),
        ADMINS("TESELA_MAX_ADMINS", "administrators"),
        MANAGERS("TESELA_MAX_MANAGERS", "managers"),
        FILES("TESELA_MAX_FILES", "files"),
        ALBUMS("TESELA_MAX_ALBUMS", "albums"),
        TAGS("TESELA_MAX_TAGS", "tags"),
        TAGS_PER_FILE("TESELA_MAX_TAGS_PER_FILE", "tags per file"),
        CATEGORIES("TESELA_MAX_CATEGORIES", "categories"),
        PAGES("TESELA_MAX_PAGES", "pages"),
        STORAGES("TESELA_MAX_STORAGES", "storages"),
        /** Bytes; accepts 20M, 1G, ... */
        UPLOAD_SIZE("TESELA_MAX_UPLOAD_SIZE", "upload size"),
        LISTING_ITEMS_PER_PAGE("TESELA_MAX_LISTING_ITEMS_PER_PAGE", "listing items per page"),
        /** A minimum, not a maximum: uploads are blocked until this many external storages are active. */
        MIN_STORAGES_ACTIVE("TESELA_MIN_STORAGES_ACTIVE", "active external storages");

        /** Largest count limit: the largest int, so that every count compares without overflow. */
        public static final long MAX_COUNT = Integer.MAX_VALUE;
        /** Largest upload size limit, bytes: 16 GiB, the most TESELA_UPLOAD_MAX_MB allows too. */
        public static final long MAX_UPLOAD_BYTES = 16L * 1024 * 1024 * 1024;

        private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("^[0-9]{1,19}$");
        /** A size: digits, optional space, K, M or G, optional B ("20M", "20 MB", "1g"); 1024-based. */
        private static final java.util.regex.Pattern SIZE =
                java.util.regex.Pattern.compile("^([0-9]{1,19}) ?([KMG])B?$", java.util.regex.Pattern.CASE_INSENSITIVE);

        private final String key;
        private final String label;

        Limit(String key, String label) {
            this.key = key;
            this.label = label;
        }

        public String key() {
            return key;
        }

        /** Plural noun for messages ("Maximum files reached (limit 100)."). */
        public String label() {
            return label;
        }

        /** The limit stored under {@code key} (exact spelling), if there is one. */
        public static java.util.Optional<Limit> byKey(String key) {
            for (Limit limit : values()) {
                if (limit.key.equals(key)) {
                    return java.util.Optional.of(limit);
                }
            }
            return java.util.Optional.empty();
        }

        /** Every key, comma-separated, for messages. */
        public static String keys() {
            return String.join(
                    ", ", java.util.Arrays.stream(values()).map(Limit::key).toList());
        }

        /**
         * The value a limit JSON holds for this limit, as a number: a JSON whole number or a string of digits (and
         * for {@link #UPLOAD_SIZE} a size such as {@code "20M"}), from 0 ("no limit") to {@link #MAX_COUNT}
         * ({@link #MAX_UPLOAD_BYTES} for the upload size).
         *
         * @param json a JSON scalar as Jackson read it: a {@link Number}, a {@link String}, or anything else
         * @throws IllegalArgumentException with a message for people that names the key and says what is accepted
         */
        public long parse(Object json) {
            long max = this == UPLOAD_SIZE ? MAX_UPLOAD_BYTES : MAX_COUNT;
            Long value = switch (json) {
                case Integer i -> (long) i;
                case Long l -> l;
                case Short s -> (long) s;
                case java.math.BigInteger b -> b.bitLength() < 64 ? b.longValue() : null;
                case String text -> fromText(text.strip());
                case null, default -> null;
            };
            if (value == null || value < 0 || value > max) {
                String got = json instanceof String text ? "'" + text + "'" : String.valueOf(json);
                throw new IllegalArgumentException(
                        this == UPLOAD_SIZE
                                ? key
                                        + " must be a size in bytes from 0 (no limit) to 16G: a whole number, or one followed by "
                                        + "K, M or G (1024-based) such as 20M; got " + got + "."
                                : key + " must be a whole number from 0 (no limit) to " + MAX_COUNT + "; got " + got
                                        + ".");
            }
            return value;
        }

        private Long fromText(String text) {
            if (DIGITS.matcher(text).matches()) {
                return parseOrNull(text, 1);
            }
            var size = SIZE.matcher(text);
            if (this != UPLOAD_SIZE || !size.matches()) {
                return null;
            }
            long unit = switch (Character.toUpperCase(size.group(2).charAt(0))) {
                case 'K' -> 1024L;
                case 'M' -> 1024L * 1024;
                default -> 1024L * 1024 * 1024;
            };
            return parseOrNull(size.group(1), unit);
        }

        private static Long parseOrNull(String digits, long unit) {
            try {
                return Math.multiplyExact(Long.parseLong(digits), unit);
            } catch (NumberFormatException | ArithmeticException e) {
                return null;
            }
        }
    }
}
