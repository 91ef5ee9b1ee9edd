package dev.tesela.storage;

import java.util.Locale;

/** The key rules of {@link BlobStore}, checked in one place. Stateless, thread-safe. */
public final class BlobKeys {
    /** Longest key, in characters (all keys are ASCII, so also in bytes). */
    public static final int MAX_LENGTH = 255;

    private BlobKeys() {}

    /**
     * Returns {@code key} when it is a valid blob key: not null or empty, at most {@value #MAX_LENGTH} characters
     * from {@code [A-Za-z0-9._-]} and '/', relative (no leading '/'), with no empty ({@code a//b}, trailing '/')
     * segment and no segment starting with '.' ({@code .}, {@code ..}, {@code .staging}: such names are reserved
     * for a store's own files, its staging area and temporary files, which are therefore never addressable, nor
     * served, as blobs). Otherwise throws IllegalArgumentException naming the problem (the message never repeats the
     * key, which may be hostile or huge).
     */
    public static String requireValid(String key) {
        if (key == null) {
            throw new IllegalArgumentException("blob key is null");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("blob key is empty");
        }
        if (key.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("blob key has " + key.length() + " characters, more than " + MAX_LENGTH);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!allowed(c)) {
                throw new IllegalArgumentException(String.format(
                        Locale.ROOT, "blob key has a character outside [A-Za-z0-9._-/] at index %d (U+%04X)", i, (int)
                                c));
            }
        }
        if (key.charAt(0) == '/') {
            throw new IllegalArgumentException("blob key is absolute (starts with '/')");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("blob key has an empty segment ('//' or a trailing '/')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("blob key has a '" + segment + "' segment");
            }
            if (segment.startsWith(".")) {
                throw new IllegalArgumentException(
                        "blob key has a segment starting with '.' (reserved for the store's own files)");
            }
        }
        return key;
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == '-'
                || c == '/';
    }
}
