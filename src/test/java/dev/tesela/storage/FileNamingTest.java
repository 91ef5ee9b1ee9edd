package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.storage.FileNaming.Name;
import dev.tesela.storage.FileNaming.Upload;
import dev.tesela.storage.FileNaming.Variant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class FileNamingTest {
    private static final LocalDate DAY = LocalDate.of(2026, 11, 23);
    private static final Pattern RANDOM = Pattern.compile("[0-9a-f]{32}");
    private static final String SPECIALS = ".-_/\\ \u0000\t:%";

    private static List<Name> candidates(NamingMethod method, StorageMode mode, String clientName, String extension) {
        List<Name> names = FileNaming.candidates(new Upload(method, mode, DAY, clientName, extension, null));
        names.forEach(FileNamingTest::assertSafe);
        return names;
    }

    private static Name first(NamingMethod method, String clientName, String extension) {
        return candidates(method, StorageMode.DATEFOLDER, clientName, extension).getFirst();
    }

    /** Every key a name produces is valid and looks like nothing a web server would run. */
    private static void assertSafe(Name name) {
        List<String> keys = List.of(
                name.key(),
                name.variantKey(Variant.THUMB),
                name.variantKey(Variant.MEDIUM, "webp"),
                name.variantKey(Variant.ORIGINAL),
                name.variantKey(Variant.FRAME, "jpeg"));
        for (String key : keys) {
            assertEquals(key, BlobKeys.requireValid(key));
            String lower = key.toLowerCase(Locale.ROOT);
            assertFalse(lower.contains(".php") || lower.contains(".htaccess") || lower.contains(".html"), key);
        }
        assertTrue(name.base().length() <= FileNaming.MAX_BASE_LENGTH, name.base());
        assertFalse(
                name.base().startsWith(".")
                        || name.base().startsWith("-")
                        || name.base().endsWith("."),
                name.base());
    }

    @Test
    void randomNamesAreThirtyTwoHexCharactersInADateFolder() {
        List<Name> names = candidates(NamingMethod.RANDOM, StorageMode.DATEFOLDER, "photo.png", "png");
        assertTrue(names.size() >= 2);
        for (Name name : names) {
            assertEquals("2026/11/23/", name.folder());
            assertTrue(RANDOM.matcher(name.base()).matches(), name.base());
            assertEquals("2026/11/23/" + name.base() + ".png", name.key());
        }
        assertEquals(names.size(), names.stream().map(Name::base).distinct().count());
    }

    @Test
    void directModeHasNoFolder() {
        Name name = candidates(NamingMethod.ORIGINAL, StorageMode.DIRECT, "photo.png", "png")
                .getFirst();
        assertEquals("", name.folder());
        assertEquals("photo.png", name.key());
    }

    @Test
    void dateFoldersArePadded() {
        assertEquals("2026/01/05/", FileNaming.folder(StorageMode.DATEFOLDER, LocalDate.of(2026, 1, 5)));
        assertEquals("0099/12/31/", FileNaming.folder(StorageMode.DATEFOLDER, LocalDate.of(99, 12, 31)));
    }

    @Test
    void originalNamesAreCleanedAndFallBackToMixedThenRandom() {
        List<Name> names = candidates(NamingMethod.ORIGINAL, StorageMode.DATEFOLDER, "Café Crème.JPG", "jpeg");
        assertEquals("2026/11/23/Cafe-Creme.jpg", names.get(0).key());
        assertTrue(
                names.get(1).base().matches("Cafe-Creme-[0-9a-f]{16}"),
                names.get(1).base());
        assertEquals("jpg", names.get(1).extension());
        for (Name fallback : names.subList(2, names.size())) {
            assertTrue(RANDOM.matcher(fallback.base()).matches(), fallback.base());
        }
        assertTrue(names.size() >= 3);
    }

    @Test
    void mixedNamesAddSixteenRandomHexCharacters() {
        List<Name> names = candidates(NamingMethod.MIXED, StorageMode.DIRECT, "my photo.png", "png");
        assertTrue(
                names.get(0).key().matches("my-photo-[0-9a-f]{16}\\.png"),
                names.get(0).key());
        assertNotEquals(
                names.get(0).key(),
                candidates(NamingMethod.MIXED, StorageMode.DIRECT, "my photo.png", "png")
                        .getFirst()
                        .key());
        assertTrue(RANDOM.matcher(names.get(1).base()).matches());
    }

    @Test
    void idNamesAreThePublicIdThenRandom() {
        List<Name> names = FileNaming.candidates(
                new Upload(NamingMethod.ID, StorageMode.DATEFOLDER, DAY, "whatever.gif", "gif", "7tWA"));
        assertEquals("2026/11/23/7tWA.gif", names.get(0).key());
        assertTrue(RANDOM.matcher(names.get(1).base()).matches());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"x/y", "../1", "a b", "é", "123456789012345678901"})
    void namingByIdNeedsAPlainPublicId(String publicId) {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Upload(NamingMethod.ID, StorageMode.DIRECT, DAY, "a.png", "png", publicId));
    }

    @ParameterizedTest
    @CsvSource({
        "photo.jpg, jpeg, photo.jpg",
        "photo.JPG, jpeg, photo.jpg",
        "photo.jpeg, jpeg, photo.jpeg",
        "photo.png, jpeg, photo.jpeg",
        "photo.jpg, png, photo.png",
        "photo, webp, photo.webp",
        "archive.tar.gz, png, archive.tar.png",
    })
    void theExtensionComesFromTheDetectedFormat(String clientName, String extension, String key) {
        assertEquals(
                key,
                candidates(NamingMethod.ORIGINAL, StorageMode.DIRECT, clientName, extension)
                        .getFirst()
                        .key());
    }

    @Test
    void variantsSitNextToTheMainFile() {
        Name name = first(NamingMethod.ORIGINAL, "Café Crème.JPG", "jpeg");
        assertEquals("2026/11/23/Cafe-Creme.th.jpg", name.variantKey(Variant.THUMB));
        assertEquals("2026/11/23/Cafe-Creme.md.jpg", name.variantKey(Variant.MEDIUM));
        assertEquals("2026/11/23/Cafe-Creme.md.webp", name.variantKey(Variant.MEDIUM, "webp"));
        assertEquals("2026/11/23/Cafe-Creme.fr.jpeg", name.variantKey(Variant.FRAME, "jpeg"));
        assertEquals("2026/11/23/Cafe-Creme.or.jpg", name.variantKey(Variant.ORIGINAL));
        assertThrows(IllegalArgumentException.class, () -> name.variantKey(Variant.MEDIUM, "php"));
        assertThrows(IllegalArgumentException.class, () -> name.variantKey(Variant.MEDIUM, "WEBP"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "photo.th.jpg | photo",
                "photo.md.png | photo",
                "photo.TH.jpg | photo",
                "photo.or.jpg | photo",
                "photo.fr.jpg | photo",
                "photo.original.jpg | photo",
                "photo.lg.jpg | photo",
                "photo.lg.md.th.jpg | photo",
                "photo.th | photo",
                "photo.th-1.jpg | photo.th-1",
                "photo.thumb.jpg | photo.thumb",
                "v1.2 final.png | v1.2-final",
            })
    void variantLikeEndingsAreStripped(String clientName, String base) {
        assertEquals(base, FileNaming.sanitize(clientName));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "Café Crème.JPG | Cafe-Creme",
                "Ångström über naïve.png | Angstrom-uber-naive",
                "Straße Æsir Øre Łódź.png | Strasse-AEsir-Ore-Lodz",
                "  lots   of\tspace  .png | lots-of-space",
                "a---b___c.png | a-b___c",
                "日本語 写真.png | ''",
                "emoji 🎉 party.png | emoji-party",
                "C:\\Users\\me\\Desktop\\holiday.jpg | holiday",
                "../../etc/passwd | passwd",
                ".htaccess | htaccess",
                "x.php | x",
                "x.php.jpg | x-php",
                "x.PHP5.png | x-PHP5",
                "shell.phtml.gif | shell-phtml",
                "page.html.png | page-html",
                "CON | _CON",
                "con.txt | _con",
                "LPT1.tar.png | _LPT1.tar",
                "console.png | console",
                "'....' | ''",
                "'.' | ''",
                "'-.-.-' | ''",
                "'' | ''",
            })
    void clientNamesAreSanitised(String clientName, String base) {
        assertEquals(base, FileNaming.sanitize(clientName));
    }

    @Test
    void nullAndControlCharacterNamesAreNamedAtRandom() {
        assertEquals("", FileNaming.sanitize(null));
        for (String hostile : new String[] {null, "", "\u0000", "\u0000.jpg", "....", "/", "\\", "日本.jpg"}) {
            Name name = first(NamingMethod.ORIGINAL, hostile, "jpeg");
            assertTrue(RANDOM.matcher(name.base()).matches(), hostile + " -> " + name.base());
            name = first(NamingMethod.MIXED, hostile, "jpeg");
            assertTrue(RANDOM.matcher(name.base()).matches(), hostile + " -> " + name.base());
        }
    }

    @Test
    void longNamesAreCappedAndStillFitAsKeysWithVariants() {
        String huge = "a".repeat(10_000) + ".png";
        Name original = first(NamingMethod.ORIGINAL, huge, "png");
        assertEquals(FileNaming.MAX_BASE_LENGTH, original.base().length());
        Name mixed = candidates(NamingMethod.ORIGINAL, StorageMode.DATEFOLDER, huge, "png")
                .get(1);
        assertEquals(FileNaming.MAX_BASE_LENGTH, mixed.base().length());
        assertTrue(mixed.base().matches("a{183}-[0-9a-f]{16}"), mixed.base());
        assertTrue(original.variantKey(Variant.MEDIUM, "abcdefghij").length() <= BlobKeys.MAX_LENGTH);
    }

    @Test
    void cuttingAtTheCapDoesNotLeaveADotOrAVariantEnding() {
        String name = "a".repeat(197) + ".th.xyz.png";
        assertEquals("a".repeat(197), FileNaming.sanitize(name));
        assertEquals("b".repeat(199), FileNaming.sanitize("b".repeat(199) + ".-cdef.png"));
    }

    @Test
    void randomClientNamesAlwaysGiveSafeKeys() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(300);
            for (int j = 0; j < length; j++) {
                name.appendCodePoint(
                        switch (random.nextInt(4)) {
                            case 0 -> SPECIALS.charAt(random.nextInt(SPECIALS.length()));
                            case 1 -> 'a' + random.nextInt(26);
                            case 2 -> random.nextInt(0x3000);
                            default -> random.nextInt(Character.MAX_CODE_POINT + 1);
                        });
            }
            for (NamingMethod method : List.of(NamingMethod.ORIGINAL, NamingMethod.MIXED)) {
                candidates(method, StorageMode.DATEFOLDER, name.toString(), "jpeg"); // asserts every key is safe
            }
        }
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {"JPEG", "php", "PHP", "phtml", "htaccess", "html", "svg", "js", ".png", "p/ng", "abcdefghijk"})
    void extensionsMustBePlainAndHarmless(String extension) {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Upload(NamingMethod.RANDOM, StorageMode.DIRECT, DAY, "a.png", extension, null));
    }

    @Test
    void settingsNameTheEnums() {
        assertEquals(StorageMode.DATEFOLDER, StorageMode.fromSetting("datefolder"));
        assertEquals(StorageMode.DIRECT, StorageMode.fromSetting("direct"));
        for (String bad : new String[] {null, "", "old", "path", "DATEFOLDER", " direct"}) {
            assertThrows(IllegalArgumentException.class, () -> StorageMode.fromSetting(bad), String.valueOf(bad));
        }
        for (NamingMethod method : NamingMethod.values()) {
            assertEquals(method, NamingMethod.fromSetting(method.setting()));
        }
        assertEquals(
                List.of("original", "random", "mixed", "id"),
                List.of(NamingMethod.values()).stream()
                        .map(NamingMethod::setting)
                        .toList());
        for (String bad : new String[] {null, "", "Original", "sequential"}) {
            assertThrows(IllegalArgumentException.class, () -> NamingMethod.fromSetting(bad), String.valueOf(bad));
        }
    }

    @Test
    void uploadsNeedTheirFields() {
        assertThrows(NullPointerException.class, () -> new Upload(null, StorageMode.DIRECT, DAY, "a", "png", null));
        assertThrows(NullPointerException.class, () -> new Upload(NamingMethod.RANDOM, null, DAY, "a", "png", null));
        assertThrows(
                NullPointerException.class,
                () -> new Upload(NamingMethod.RANDOM, StorageMode.DIRECT, null, "a", "png", null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Upload(
                        NamingMethod.RANDOM, StorageMode.DATEFOLDER, LocalDate.of(10_000, 1, 1), "a", "png", null));
    }
}
