package dev.tesela.storage;

import dev.tesela.platform.security.Crypto;
import java.text.Normalizer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Storage keys for an upload's main file and its variants. {@link #candidates} lists names to try, best first; the
 * caller stores the main file under the first one that is free:
 *
 * <pre>{@code
 * for (FileNaming.Name name : FileNaming.candidates(upload)) {
 *     try {
 *         store.putNew(name.key(), file, mimeType);
 *         return name;
 *     } catch (BlobStore.BlobExistsException taken) {
 *         // next candidate
 *     }
 * }
 * }</pre>
 *
 * <p>Choosing the method is the caller's: uploads to private, password-protected or link-only albums use
 * {@link NamingMethod#RANDOM} unless the setting is {@link NamingMethod#ID}, so their names reveal nothing.
 *
 * <p>Client file names are untrusted and never refused: whatever they hold, the result is a valid
 * {@link BlobKeys key} whose extension is the one given for the detected format. Stateless, thread-safe.
 */
public final class FileNaming {
    /** Longest base name (the part before the extension), in characters. */
    public static final int MAX_BASE_LENGTH = 200;

    private static final int MIXED_RANDOM_CHARS = 16;
    private static final int RANDOM_FALLBACKS = 3;
    private static final Pattern EXTENSION = Pattern.compile("[a-z0-9]{1,10}");
    private static final Pattern PUBLIC_ID = Pattern.compile("[A-Za-z0-9]{1,20}");
    /** Extensions a web server might execute or render as a page, refused as final extensions. */
    private static final Pattern DANGEROUS_EXTENSION = Pattern.compile(
            "ph(p|t)[a-z0-9]*|phar|s?html?|xht(ml)?|svgz?|m?js|cgi|pl|py|sh|aspx?|jspx?|htaccess|htpasswd|exe",
            Pattern.CASE_INSENSITIVE);
    /** A client's own extension, removed before the base name is cleaned. */
    private static final Pattern CLIENT_EXTENSION = Pattern.compile("\\.[A-Za-z0-9]{1,10}$");
    /** Endings that would read like one of our variants ({@code x.th} + {@code .jpeg} = the thumb of {@code x}). */
    private static final Pattern PSEUDO_SUFFIX =
            Pattern.compile("\\.(th|md|or|fr|original|lg)$", Pattern.CASE_INSENSITIVE);

    private static final Pattern WINDOWS_DEVICE =
            Pattern.compile("(con|prn|aux|nul|com[0-9]|lpt[0-9])", Pattern.CASE_INSENSITIVE);
    private static final Pattern COMBINING_MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern WHITESPACE = Pattern.compile("[\\s\\p{Z}]+");
    private static final Pattern OUTSIDE_KEY_CHARS = Pattern.compile("[^A-Za-z0-9._-]+");

    private FileNaming() {}

    /**
     * What is being named.
     *
     * @param date       the upload date (UTC), year 1 to 9999; only {@link StorageMode#DATEFOLDER} uses it
     * @param clientName the file name the client sent; nullable, untrusted
     * @param extension  the detected format's extension without the dot, lowercase ({@code jpeg}, {@code png}...);
     *                   {@code jpeg} becomes {@code jpg} when the client name ends with {@code .jpg}
     * @param publicId   the file's encoded public id; required for {@link NamingMethod#ID}, otherwise ignored
     */
    public record Upload(
            NamingMethod method,
            StorageMode mode,
            LocalDate date,
            String clientName,
            String extension,
            String publicId) {
        public Upload {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(date, "date");
            if (date.getYear() < 1 || date.getYear() > 9999) {
                throw new IllegalArgumentException("upload date out of range: " + date);
            }
            requireExtension(extension);
            if (method == NamingMethod.ID
                    && (publicId == null || !PUBLIC_ID.matcher(publicId).matches())) {
                throw new IllegalArgumentException("naming by id needs a public id of 1 to 20 characters [A-Za-z0-9]");
            }
        }
    }

    /** The variant files stored next to a main file, with the infix that marks them. */
    public enum Variant {
        THUMB("th"),
        MEDIUM("md"),
        FRAME("fr"),
        ORIGINAL("or");

        private final String infix;

        Variant(String infix) {
            this.infix = infix;
        }

        /** The marker between base name and extension ({@code th} in {@code photo.th.jpeg}). */
        public String infix() {
            return infix;
        }
    }

    /**
     * A main file's name: key {@code <folder><base>.<extension>}, variants {@code <folder><base>.<infix>.<extension>}.
     *
     * @param folder {@code YYYY/MM/DD/} or empty
     */
    public record Name(String folder, String base, String extension) {
        public Name {
            Objects.requireNonNull(folder, "folder");
            Objects.requireNonNull(base, "base");
            requireExtension(extension);
            if (base.isEmpty() || base.length() > MAX_BASE_LENGTH || base.indexOf('/') >= 0) {
                throw new IllegalArgumentException(
                        "base name must have 1 to " + MAX_BASE_LENGTH + " characters and no '/'");
            }
            if (!folder.isEmpty() && !folder.endsWith("/")) {
                throw new IllegalArgumentException("folder must be empty or end with '/'");
            }
            BlobKeys.requireValid(folder + base + "." + extension);
        }

        /** The main file's key. */
        public String key() {
            return folder + base + "." + extension;
        }

        /** The key of {@code variant} with the main file's extension. */
        public String variantKey(Variant variant) {
            return variantKey(variant, extension);
        }

        /** The key of {@code variant} in another format, e.g. the {@code webp} medium of an animated GIF. */
        public String variantKey(Variant variant, String variantExtension) {
            requireExtension(variantExtension);
            return BlobKeys.requireValid(folder + base + "." + variant.infix() + "." + variantExtension);
        }
    }

    /**
     * Names to try for {@code upload}, best first: the method's own name ({@link NamingMethod#ORIGINAL} then the
     * {@link NamingMethod#MIXED} form of the same client name), then random names. Random parts differ on every
     * call. A client name that cleans up to nothing is named at random.
     */
    public static List<Name> candidates(Upload upload) {
        String folder = folder(upload.mode(), upload.date());
        String extension = finalExtension(upload.clientName(), upload.extension());
        String clean = sanitize(upload.clientName());
        List<String> bases = new ArrayList<>();
        switch (upload.method()) {
            case ORIGINAL -> {
                if (!clean.isEmpty()) {
                    bases.add(clean);
                    bases.add(mixed(clean));
                }
            }
            case MIXED -> {
                if (!clean.isEmpty()) {
                    bases.add(mixed(clean));
                }
            }
            case ID -> bases.add(upload.publicId());
            case RANDOM -> bases.add(randomHex(32));
        }
        for (int i = 0; i < RANDOM_FALLBACKS; i++) {
            bases.add(randomHex(32));
        }
        return bases.stream().map(base -> new Name(folder, base, extension)).toList();
    }

    static String folder(StorageMode mode, LocalDate date) {
        return switch (mode) {
            case DATEFOLDER ->
                String.format(
                        Locale.ROOT, "%04d/%02d/%02d/", date.getYear(), date.getMonthValue(), date.getDayOfMonth());
            case DIRECT -> "";
        };
    }

    static String finalExtension(String clientName, String extension) {
        if (extension.equals("jpeg")
                && clientName != null
                && clientName.toLowerCase(Locale.ROOT).endsWith(".jpg")) {
            return "jpg";
        }
        return extension;
    }

    /**
     * The client name made safe as a base name, possibly empty: last path segment only, its own extension dropped,
     * accents transliterated, whitespace turned into '-', other characters outside {@code [A-Za-z0-9._-]} dropped,
     * runs of '-' or '.' collapsed, '-' and '.' trimmed from both ends, variant-like endings ({@code .th},
     * {@code .md}, {@code .or}, {@code .fr}, {@code .original}, {@code .lg}) stripped, inner dots before
     * executable-looking parts ({@code x.php.jpeg}) turned into '-', Windows device names ({@code CON}) prefixed
     * with '_', at most {@value #MAX_BASE_LENGTH} characters.
     */
    static String sanitize(String clientName) {
        if (clientName == null) {
            return "";
        }
        String name = clientName.substring(Math.max(clientName.lastIndexOf('/'), clientName.lastIndexOf('\\')) + 1);
        if (name.lastIndexOf('.') > 0) {
            name = CLIENT_EXTENSION.matcher(name).replaceFirst("");
        }
        name = transliterate(name);
        name = WHITESPACE.matcher(name).replaceAll("-");
        name = OUTSIDE_KEY_CHARS.matcher(name).replaceAll("");
        return tidy(name);
    }

    /** Applies the length cap and the clean-up rules until none changes anything (each only shortens, or adds one '_' once). */
    private static String tidy(String name) {
        String previous;
        do {
            previous = name;
            if (name.length() > MAX_BASE_LENGTH) {
                name = name.substring(0, MAX_BASE_LENGTH);
            }
            name = name.replaceAll("-{2,}", "-").replaceAll("\\.{2,}", ".");
            name = trim(name);
            name = PSEUDO_SUFFIX.matcher(name).replaceFirst("");
            name = defuseInnerExtensions(name);
            int firstDot = name.indexOf('.');
            if (WINDOWS_DEVICE
                    .matcher(firstDot < 0 ? name : name.substring(0, firstDot))
                    .matches()) {
                name = "_" + name;
            }
        } while (!name.equals(previous));
        return name;
    }

    private static String trim(String name) {
        int start = 0;
        int end = name.length();
        while (start < end && (name.charAt(start) == '-' || name.charAt(start) == '.')) {
            start++;
        }
        while (end > start && (name.charAt(end - 1) == '-' || name.charAt(end - 1) == '.')) {
            end--;
        }
        return name.substring(start, end);
    }

    /** {@code x.php.v2} → {@code x-php.v2}: some web servers run a file whose name contains {@code .php} anywhere. */
    private static String defuseInnerExtensions(String name) {
        String[] parts = name.split("\\.", -1);
        StringBuilder out = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            out.append(DANGEROUS_EXTENSION.matcher(parts[i]).matches() ? '-' : '.')
                    .append(parts[i]);
        }
        return out.toString();
    }

    private static String transliterate(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(
                    switch (c) {
                        case 'ß' -> "ss";
                        case 'æ' -> "ae";
                        case 'Æ' -> "AE";
                        case 'œ' -> "oe";
                        case 'Œ' -> "OE";
                        case 'ø' -> "o";
                        case 'Ø' -> "O";
                        case 'ł' -> "l";
                        case 'Ł' -> "L";
                        case 'đ' -> "d";
                        case 'Đ' -> "D";
                        case 'þ' -> "th";
                        case 'Þ' -> "Th";
                        default -> String.valueOf(c);
                    });
        }
        return COMBINING_MARKS
                .matcher(Normalizer.normalize(out, Normalizer.Form.NFD))
                .replaceAll("");
    }

    private static String mixed(String clean) {
        String name = tidy(clean.substring(0, Math.min(clean.length(), MAX_BASE_LENGTH - 1 - MIXED_RANDOM_CHARS)));
        return name.isEmpty() ? randomHex(32) : name + "-" + randomHex(MIXED_RANDOM_CHARS);
    }

    private static String randomHex(int chars) {
        return HexFormat.of().formatHex(Crypto.randomBytes(chars / 2));
    }

    private static void requireExtension(String extension) {
        if (extension == null || !EXTENSION.matcher(extension).matches()) {
            throw new IllegalArgumentException("extension must be 1 to 10 characters [a-z0-9]");
        }
        if (DANGEROUS_EXTENSION.matcher(extension).matches()) {
            throw new IllegalArgumentException("refusing a file extension a web server could execute: " + extension);
        }
    }
}
