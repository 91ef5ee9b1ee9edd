package dev.tesela;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house rules of ARCHITECTURE.md §2–3 and §8 that a plain read of the sources can check: the platform kernel
 * imports no feature, only the web platform reads the Host header, no ThreadLocal, repositories stay
 * package-private. Reads {@code src/main/java/dev/tesela} as text (comments ignored); each failure lists every
 * offending file and line.
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    private static final Path MAIN = ROOT.resolve("src/main/java/dev/tesela");

    /** A reference to dev.tesela.<something other than platform>: a feature package, or App/Main. */
    private static final Pattern FEATURE_REFERENCE = Pattern.compile("\\bdev\\s*\\.\\s*tesela\\s*\\.\\s*(?!platform\\b|storage\\b)([A-Za-z_$][\\w$]*)");
    private static final Pattern HOST_HEADER = Pattern.compile("\\.\\s*header\\s*\\(\\s*(?:\"host\"|Header\\s*\\.\\s*HOST)\\s*\\)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern THREAD_LOCAL = Pattern.compile("\\b\\w*ThreadLocal\\b");
    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "((?:(?:public|protected|private|static|final|abstract|sealed|non-sealed|strictfp)\\s+)*)"
                    + "(?:class|interface|record|enum)\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    private static List<Source> sources;

    /**
     * One main source file. {@code code} has comments blanked out; {@code bare} also blanks string and char
     * literals. Both keep every newline and offset of {@code text}, so match positions give the right line.
     */
    record Source(String name, String pkg, String text, String code, String bare) {
        static Source of(String name, String text) {
            Matcher m = PACKAGE.matcher(text);
            String pkg = m.find() ? m.group(1) : "";
            return new Source(name, pkg, text, blank(text, false), blank(text, true));
        }

        boolean inPackage(String prefix) {
            return pkg.equals(prefix) || pkg.startsWith(prefix + ".");
        }

        String violation(int offset) {
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            int start = text.lastIndexOf('\n', offset - 1) + 1;
            int end = text.indexOf('\n', offset);
            return name + ":" + line + ": " + text.substring(start, end < 0 ? text.length() : end).strip();
        }
    }

    @BeforeAll
    static void readSources() {
        assertTrue(Files.isDirectory(MAIN), "main sources not found at " + MAIN);
        try (Stream<Path> files = Files.walk(MAIN)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).sorted().map(p -> {
                try {
                    return Source.of(ROOT.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void readsTheWholeMainTree() {
        // Guards every rule below against passing vacuously on an empty or wrong tree.
        assertTrue(sources.size() >= 30, "only " + sources.size() + " files under " + MAIN);
        assertTrue(sources.stream().anyMatch(s -> s.pkg().equals("dev.tesela.platform.web") && s.name().endsWith("TenantEdge.java")));
        assertTrue(sources.stream().filter(s -> s.inPackage("dev.tesela.platform")).count() >= 10, "too few platform files");
        for (Source s : sources) {
            assertTrue(s.pkg().startsWith("dev.tesela"), s.name() + " has package '" + s.pkg() + "'");
        }
    }

    @Test
    void platformImportsNoFeature() {
        List<String> violations = new ArrayList<>();
        sources.stream().filter(s -> s.inPackage("dev.tesela.platform")).forEach(s -> featureReferences(s, violations));
        assertNoViolations("dev.tesela.platform is the kernel: it must not reference a feature package (or App/Main). "
                + "Move the code into the feature, or give the platform a port the feature implements", violations);
    }

    @Test
    void onlyTheWebPlatformReadsTheHostHeader() {
        List<String> violations = new ArrayList<>();
        sources.stream().filter(s -> !s.inPackage("dev.tesela.platform.web")).forEach(s -> hostHeaderReads(s, violations));
        assertNoViolations("Only dev.tesela.platform.web (TenantEdge) may read the Host header; "
                + "take the tenant from the RequestContext instead", violations);
        // The rule is live: the one legitimate reader is found by the same check.
        List<String> edge = new ArrayList<>();
        sources.stream().filter(s -> s.inPackage("dev.tesela.platform.web")).forEach(s -> hostHeaderReads(s, edge));
        assertTrue(edge.stream().anyMatch(v -> v.contains("TenantEdge.java")), "the Host check no longer sees TenantEdge: " + edge);
    }

    @Test
    void tenantTablesAreNamedThroughSchemaTables() {
        // A tenant table named without SchemaTables.tenantTable has no schema, and a MariaDB DELETE on it would run
        // against the shared database instead of a tenant's own one.
        java.util.regex.Pattern bareTenantTable = java.util.regex.Pattern.compile(
                "\\btable\\s*\\(\\s*(?:DSL\\s*\\.\\s*)?(?:name|n)\\s*\\(\\s*\"("
                        + String.join("|", dev.tesela.platform.db.SchemaTables.TENANT) + ")\"");
        List<String> violations = new ArrayList<>();
        sources.forEach(s -> {
            Matcher m = bareTenantTable.matcher(s.code());
            while (m.find()) {
                violations.add(s.violation(m.start()));
            }
        });
        assertNoViolations("Name tenant tables with SchemaTables.tenantTable(...), never table(name(...))", violations);
        Matcher live = bareTenantTable.matcher("x = table(name(\"users\"));");
        assertTrue(live.find(), "the rule matches what it forbids");
    }

    @Test
    void noThreadLocal() {
        List<String> violations = new ArrayList<>();
        sources.forEach(s -> threadLocals(s, violations));
        assertNoViolations("No ThreadLocal in main code: pass the RequestContext explicitly", violations);
    }

    @Test
    void repositoriesAreNotPublic() {
        List<String> violations = new ArrayList<>();
        List<String> found = new ArrayList<>();
        sources.forEach(s -> publicRepositories(s, violations, found));
        assertTrue(found.size() >= 2, "expected at least AccountRepository and SettingsRepository, found " + found);
        assertNoViolations("Repositories are package-private: other features call the feature's service", violations);
    }

    /** Each rule reports a planted violation and stays quiet on the look-alikes it must ignore. */
    @Test
    void rulesCatchPlantedViolations() {
        Source platform = Source.of("Planted.java", """
                package dev.tesela.platform.web;

                import dev.tesela.platform.context.RequestContext;
                import dev.tesela.account.AccountService;
                import static dev.tesela.settings.SettingsCatalog.ALL;
                // dev.tesela.media is mentioned in a comment only
                /* ctx.header("Host") and ThreadLocal in a block comment */
                public final class Planted {
                    String s = "dev.tesela.tenancy in a string";
                    Object o = dev.tesela.App.VERSION;
                    static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
                    public static final class SneakyRepository {}
                }
                """);
        List<String> found = new ArrayList<>();
        featureReferences(platform, found);
        assertEquals(List.of("Planted.java:4: import dev.tesela.account.AccountService;",
                "Planted.java:5: import static dev.tesela.settings.SettingsCatalog.ALL;",
                "Planted.java:10: Object o = dev.tesela.App.VERSION;"), found);

        found.clear();
        threadLocals(platform, found);
        assertEquals(2, found.size(), found.toString());
        assertTrue(found.stream().allMatch(v -> v.startsWith("Planted.java:11:")), found.toString());

        found.clear();
        List<String> repositories = new ArrayList<>();
        publicRepositories(platform, found, repositories);
        assertEquals(List.of("Planted.java:12: public static final class SneakyRepository {}"), found);

        Source feature = Source.of("Feature.java", """
                package dev.tesela.media;
                final class MediaRepository {
                    String a(io.javalin.http.Context ctx) { return ctx.header("Host"); }
                    String b(io.javalin.http.Context ctx) { return ctx.header(Header.HOST); }
                    String c(io.javalin.http.Context ctx) { return ctx.header("X-Forwarded-Host"); }
                    // ctx.header("Host") in a comment is not a read
                }
                """);
        found.clear();
        hostHeaderReads(feature, found);
        assertEquals(2, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("Feature.java:3:") && found.get(1).startsWith("Feature.java:4:"), found.toString());

        found.clear();
        repositories.clear();
        publicRepositories(feature, found, repositories);
        assertEquals(List.of(), found);
        assertEquals(List.of("MediaRepository"), repositories);
    }

    // ---- rules -------------------------------------------------------------------------------------------------

    private static void featureReferences(Source s, List<String> out) {
        Matcher m = FEATURE_REFERENCE.matcher(s.bare());
        while (m.find()) {
            out.add(s.violation(m.start()));
        }
    }

    /** Calls {@code header("Host")} / {@code header(Header.HOST)} in code; mentions in comments do not count. */
    private static void hostHeaderReads(Source s, List<String> out) {
        Matcher m = HOST_HEADER.matcher(s.code());
        while (m.find()) {
            out.add(s.violation(m.start()));
        }
    }

    private static void threadLocals(Source s, List<String> out) {
        Matcher m = THREAD_LOCAL.matcher(s.bare());
        while (m.find()) {
            out.add(s.violation(m.start()));
        }
    }

    private static void publicRepositories(Source s, List<String> out, List<String> seen) {
        Matcher m = TYPE_DECLARATION.matcher(s.bare());
        while (m.find()) {
            if (!m.group(2).endsWith("Repository")) {
                continue;
            }
            seen.add(m.group(2));
            if (m.group(1).matches("(?s).*\\bpublic\\b.*")) {
                out.add(s.violation(m.start()));
            }
        }
    }

    private static void assertNoViolations(String rule, List<String> found) {
        List<String> violations = found.stream().distinct().toList();
        if (!violations.isEmpty()) {
            fail(rule + ". Offending " + (violations.size() == 1 ? "line" : "lines") + ":\n  " + String.join("\n  ", violations));
        }
    }

    /**
     * {@code text} with comments (and, when {@code literals}, the contents of string, text-block and char literals)
     * replaced by spaces. Newlines and offsets are kept.
     */
    static String blank(String text, boolean literals) {
        StringBuilder out = new StringBuilder(text);
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i < n && text.charAt(i) != '\n') {
                    out.setCharAt(i++, ' ');
                }
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (; i < end; i++) {
                    if (text.charAt(i) != '\n') {
                        out.setCharAt(i, ' ');
                    }
                }
            } else if (text.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < n && !text.startsWith("\"\"\"", end)) {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 3);
                blankLiteral(text, out, i + 3, end - 3, literals);
                i = end;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < n && text.charAt(end) != c && text.charAt(end) != '\n') {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
                blankLiteral(text, out, i + 1, end - 1, literals);
                i = end;
            } else {
                i++;
            }
        }
        return out.toString();
    }

    private static void blankLiteral(String text, StringBuilder out, int from, int to, boolean literals) {
        if (!literals) {
            return;
        }
        for (int j = from; j < to && j < text.length(); j++) {
            if (text.charAt(j) != '\n') {
                out.setCharAt(j, ' ');
            }
        }
    }
}
