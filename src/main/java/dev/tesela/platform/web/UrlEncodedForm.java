package dev.tesela.platform.web;

import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An {@code application/x-www-form-urlencoded} body read from a stream without holding large values in memory.
 * Values of the fields named {@code largeFields} that are longer than {@link #INLINE_BYTES} (decoded) are written
 * to a temp file as they arrive; every other value must fit in {@link #MAX_FIELD_BYTES}, names in
 * {@link #MAX_NAME_BYTES}, and there may be at most {@link #MAX_FIELDS} fields (each else a 400). The first
 * occurrence of a name wins, as with the servlet API. Closing the form deletes its temp files. Not thread-safe.
 */
public final class UrlEncodedForm implements AutoCloseable {
    /** Large-field values up to this many bytes stay in memory (URLs, small base64 texts). */
    public static final int INLINE_BYTES = 16 * 1024;

    static final int MAX_FIELD_BYTES = 64 * 1024;
    static final int MAX_NAME_BYTES = 256;
    static final int MAX_FIELDS = 1000;

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, Path> spilled = new HashMap<>();

    private UrlEncodedForm() {}

    /**
     * Reads {@code in} to its end (not closing it). On any failure the temp files written so far are deleted.
     *
     * @param tempDir where values of {@code largeFields} over {@link #INLINE_BYTES} are spilled (created if needed)
     * @throws AppException 400 for a malformed body or an oversized ordinary field, or what {@code in} throws
     * @throws IOException  when the body cannot be read (the client went away)
     */
    public static UrlEncodedForm read(InputStream in, Set<String> largeFields, Path tempDir) throws IOException {
        UrlEncodedForm form = new UrlEncodedForm();
        boolean ok = false;
        try {
            new Parser(form, largeFields, tempDir).parse(in);
            ok = true;
            return form;
        } finally {
            if (!ok) {
                form.close();
            }
        }
    }

    /** The decoded value of {@code name} (UTF-8), or null when absent or spilled to a file. */
    public String value(String name) {
        return values.get(name);
    }

    /** The temp file holding the decoded value of {@code name}, when it was too long to keep in memory. */
    public Optional<Path> spilledFile(String name) {
        return Optional.ofNullable(spilled.get(name));
    }

    public boolean has(String name) {
        return values.containsKey(name) || spilled.containsKey(name);
    }

    /** Deletes the temp files. Never throws. */
    @Override
    public void close() {
        for (Path file : spilled.values()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                org.slf4j.LoggerFactory.getLogger(UrlEncodedForm.class)
                        .warn("Could not delete {}: {}", file, e.toString());
            }
        }
        spilled.clear();
    }

    /** One pass over the body: name, '=', value, '&', ... with %XX and '+' decoded on the fly. */
    private static final class Parser {
        private final UrlEncodedForm form;
        private final Set<String> largeFields;
        private final Path tempDir;
        private final ByteArrayOutputStream name = new ByteArrayOutputStream();
        private final ByteArrayOutputStream value = new ByteArrayOutputStream();
        private boolean inValue;
        private boolean large;
        private boolean skip;
        private Path file;
        private OutputStream fileOut;
        /** Pending percent escape: -1 none, else the number of hex digits still expected (2 or 1). */
        private int escapeDigits = -1;

        private int escapeValue;
        private int fields;
        private final byte[] one = new byte[1];

        Parser(UrlEncodedForm form, Set<String> largeFields, Path tempDir) {
            this.form = form;
            this.largeFields = largeFields;
            this.tempDir = tempDir;
        }

        void parse(InputStream in) throws IOException {
            try {
                byte[] buffer = new byte[16 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    for (int i = 0; i < n; ) {
                        if (inValue && escapeDigits < 0) {
                            // Values are mostly plain bytes (base64 of an upload): copy each run of them at once.
                            int end = i;
                            while (end < n && !special(buffer[end])) {
                                end++;
                            }
                            if (end > i) {
                                emitValue(buffer, i, end - i);
                                i = end;
                                continue;
                            }
                        }
                        accept(buffer[i++] & 0xff);
                    }
                }
                endField();
            } finally {
                closeFile();
            }
        }

        private void accept(int c) throws IOException {
            if (escapeDigits > 0) {
                int digit = Character.digit(c, 16);
                if (digit < 0) {
                    throw malformed();
                }
                escapeValue = escapeValue << 4 | digit;
                if (--escapeDigits == 0) {
                    escapeDigits = -1;
                    emit(escapeValue);
                }
                return;
            }
            switch (c) {
                case '&' -> endField();
                case '=' -> {
                    if (inValue) {
                        emit('=');
                    } else {
                        startValue();
                    }
                }
                case '+' -> emit(' ');
                case '%' -> {
                    escapeDigits = 2;
                    escapeValue = 0;
                }
                default -> emit(c);
            }
        }

        private void startValue() {
            inValue = true;
            String fieldName = name.toString(StandardCharsets.UTF_8);
            skip = form.has(fieldName);
            large = largeFields.contains(fieldName);
        }

        private void emit(int b) throws IOException {
            if (!inValue) {
                if (name.size() >= MAX_NAME_BYTES) {
                    throw invalid("A form field name is longer than " + MAX_NAME_BYTES + " bytes.");
                }
                name.write(b);
                return;
            }
            one[0] = (byte) b;
            emitValue(one, 0, 1);
        }

        private static boolean special(byte b) {
            return b == '&' || b == '%' || b == '+';
        }

        /** Appends decoded value bytes: dropped (a repeated name), to the spill file, or to memory within the limits. */
        private void emitValue(byte[] bytes, int offset, int length) throws IOException {
            if (skip) {
                return;
            }
            if (fileOut != null) {
                fileOut.write(bytes, offset, length);
                return;
            }
            value.write(bytes, offset, length);
            if (large && value.size() > INLINE_BYTES) {
                Files.createDirectories(tempDir);
                file = Files.createTempFile(tempDir, "form-", ".field");
                form.spilled.put(name.toString(StandardCharsets.UTF_8), file);
                fileOut = new java.io.BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
                value.writeTo(fileOut);
                value.reset();
            } else if (!large && value.size() > MAX_FIELD_BYTES) {
                throw invalid("The form field '" + printable(name.toString(StandardCharsets.UTF_8))
                        + "' is longer than " + MAX_FIELD_BYTES / 1024 + " KB.");
            }
        }

        private void endField() throws IOException {
            if (escapeDigits > 0) {
                throw malformed();
            }
            if (name.size() == 0 && !inValue) {
                return; // "a=1&&b=2" or an empty body
            }
            if (++fields > MAX_FIELDS) {
                throw invalid("The form has more than " + MAX_FIELDS + " fields.");
            }
            String fieldName = name.toString(StandardCharsets.UTF_8);
            if (fileOut != null) {
                closeFile();
            } else if (!skip && !form.has(fieldName)) {
                form.values.put(fieldName, value.toString(StandardCharsets.UTF_8));
            }
            name.reset();
            value.reset();
            inValue = false;
            large = false;
            skip = false;
        }

        private void closeFile() throws IOException {
            if (fileOut != null) {
                OutputStream out = fileOut;
                fileOut = null;
                out.close();
            }
        }

        private static String printable(String name) {
            String cleaned = name.replaceAll("[^\\p{L}\\p{N}_.-]", "?");
            return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
        }

        private static AppException malformed() {
            return invalid("The form body is malformed (a % escape is not followed by two hex digits).");
        }

        private static AppException invalid(String message) {
            return new AppException(ErrorCode.BAD_REQUEST, message);
        }
    }
}
