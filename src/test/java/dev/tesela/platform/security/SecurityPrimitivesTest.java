package dev.tesela.platform.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.password4j.Password;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PasswordHasher, SecretBox, Crypto and MasterKey against known answers and their documented contracts. */
class SecurityPrimitivesTest {
    private static final HexFormat HEX = HexFormat.of();

    @Nested
    class PasswordHasherTest {
        private final PasswordHasher hasher = PasswordHasher.OWASP;

        @Test
        void hashIsAnArgon2idPhcStringWithTheConfiguredCost() {
            String hash = hasher.hash("correct horse");
            assertTrue(
                    Pattern.matches("^\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+$", hash),
                    hash);
        }

        @Test
        void hashesOfTheSamePasswordAreSaltedDifferently() {
            assertNotEquals(hasher.hash("same password"), hasher.hash("same password"));
        }

        @Test
        void verifiesTheRightPasswordAndRejectsWrongOnes() {
            String hash = hasher.hash("correct horse");
            assertTrue(hasher.verify("correct horse", hash));
            assertFalse(hasher.verify("correct horsE", hash));
            assertFalse(hasher.verify("correct horse ", hash));
            assertFalse(hasher.verify("", hash));
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "",
                    "plaintext",
                    "$argon2id$",
                    "$argon2id$v=19$m=19456,t=2,p=1$",
                    "$argon2id$v=19$m=abc,t=2,p=1$c2FsdA$aGFzaA",
                    "$argon2id$garbage$garbage",
                    "$2a$10$",
                    "$2a$10$tooShort",
                    "$2a$xx$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ",
                    "$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA"
                })
        void malformedHashesAreRejectedWithoutThrowing(String malformed) {
            assertFalse(hasher.verify("password", malformed));
        }

        @Test
        void nullHashIsRejected() {
            assertFalse(hasher.verify("password", null));
        }

        @Test
        void verifiesBcryptHashesOfImportedAccounts() {
            String bcrypt = Password.hash("imported secret").withBcrypt().getResult();
            assertTrue(bcrypt.startsWith("$2"), bcrypt);
            assertTrue(hasher.verify("imported secret", bcrypt));
            assertFalse(hasher.verify("imported secreT", bcrypt));
        }

        @Test
        void bcryptAndWeakerArgon2NeedRehashButAFreshHashDoesNot() {
            assertTrue(hasher.needsRehash(
                    Password.hash("imported secret").withBcrypt().getResult()));
            assertFalse(hasher.needsRehash(hasher.hash("fresh password")));
            assertTrue(hasher.needsRehash(new PasswordHasher(1024, 1, 1).hash("cheap password")));
            assertTrue(hasher.needsRehash(null));
        }
    }

    @Nested
    class SecretBoxTest {
        private final byte[] key = Crypto.randomBytes(32);
        private final SecretBox box = new SecretBox(key);
        private final byte[] plaintext = "s3cr3t storage credential".getBytes(StandardCharsets.UTF_8);

        @Test
        void roundTrips() {
            byte[] sealed = box.seal(plaintext, "tenant:acme:env");
            assertArrayEquals(plaintext, box.open(sealed, "tenant:acme:env"));
            assertArrayEquals(new byte[0], box.open(box.seal(new byte[0], ""), ""));
        }

        @Test
        void sealedFormIsVersionIvCiphertextAndTagAndNeverRepeats() {
            byte[] a = box.seal(plaintext, "ad");
            byte[] b = box.seal(plaintext, "ad");
            assertEquals(1 + 12 + plaintext.length + 16, a.length);
            assertEquals(1, a[0]);
            assertFalse(Arrays.equals(a, b), "a fresh IV per seal");
            byte[] ciphertext = Arrays.copyOfRange(a, 13, 13 + plaintext.length);
            assertFalse(Arrays.equals(plaintext, ciphertext), "the plaintext must not appear in the sealed form");
        }

        @Test
        void everyTamperedByteIsRejected() {
            byte[] sealed = box.seal(plaintext, "ad");
            for (int i = 0; i < sealed.length; i++) {
                byte[] tampered = sealed.clone();
                tampered[i] ^= 0x01;
                int position = i;
                assertThrows(IllegalArgumentException.class, () -> box.open(tampered, "ad"), "byte " + position);
            }
        }

        @Test
        void truncatedValuesAreRejected() {
            byte[] sealed = box.seal(plaintext, "ad");
            assertThrows(
                    IllegalArgumentException.class, () -> box.open(Arrays.copyOf(sealed, sealed.length - 1), "ad"));
            assertThrows(IllegalArgumentException.class, () -> box.open(Arrays.copyOf(sealed, 20), "ad"));
            assertThrows(IllegalArgumentException.class, () -> box.open(new byte[0], "ad"));
        }

        @Test
        void differentAssociatedDataIsRejected() {
            byte[] sealed = box.seal(plaintext, "tenant:acme:env");
            assertThrows(IllegalArgumentException.class, () -> box.open(sealed, "tenant:other:env"));
            assertThrows(IllegalArgumentException.class, () -> box.open(sealed, ""));
        }

        @Test
        void differentKeyIsRejected() {
            byte[] sealed = box.seal(plaintext, "ad");
            byte[] otherKey = key.clone();
            otherKey[31] ^= 0x01;
            assertThrows(IllegalArgumentException.class, () -> new SecretBox(otherKey).open(sealed, "ad"));
        }

        @Test
        void keyMustBe32Bytes() {
            assertThrows(IllegalArgumentException.class, () -> new SecretBox(new byte[16]));
            assertThrows(IllegalArgumentException.class, () -> new SecretBox(new byte[33]));
        }

        @Test
        void changingTheCallersKeyArrayLaterDoesNotChangeTheBox() {
            byte[] mutable = Crypto.randomBytes(32);
            SecretBox keyed = new SecretBox(mutable);
            byte[] sealed = keyed.seal(plaintext, "ad");
            mutable[0] ^= 0x7f;
            assertArrayEquals(plaintext, keyed.open(sealed, "ad"));
        }
    }

    @Nested
    class CryptoTest {
        @Test
        void hkdfMatchesRfc5869TestCase3() {
            // RFC 5869 A.3: SHA-256, IKM = 22 x 0x0b, salt = empty (= HashLen zero bytes), info = empty, L = 42.
            byte[] ikm = new byte[22];
            Arrays.fill(ikm, (byte) 0x0b);
            byte[] okm = Crypto.hkdf(ikm, "", 42);
            assertEquals(
                    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                    HEX.formatHex(okm));
        }

        @Test
        void hkdfOutputDependsOnInfoAndIkmAndShorterOutputIsAPrefix() {
            byte[] ikm = Crypto.randomBytes(32);
            byte[] csrf = Crypto.hkdf(ikm, "tesela/default/csrf", 32);
            assertEquals(32, csrf.length);
            assertFalse(Arrays.equals(csrf, Crypto.hkdf(ikm, "tesela/default/tokens", 32)));
            assertFalse(Arrays.equals(csrf, Crypto.hkdf(ikm, "tesela/acme/csrf", 32)));
            assertFalse(Arrays.equals(csrf, Crypto.hkdf(Crypto.randomBytes(32), "tesela/default/csrf", 32)));
            assertArrayEquals(csrf, Crypto.hkdf(ikm, "tesela/default/csrf", 32));
            assertArrayEquals(csrf, Arrays.copyOf(Crypto.hkdf(ikm, "tesela/default/csrf", 100), 32));
            assertEquals(100, Crypto.hkdf(ikm, "x", 100).length);
        }

        @Test
        void hmacSha256MatchesRfc4231TestCase2() {
            byte[] mac = Crypto.hmacSha256(
                    "Jefe".getBytes(StandardCharsets.US_ASCII),
                    "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII));
            assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", HEX.formatHex(mac));
            assertEquals(
                    Base64.getUrlEncoder().withoutPadding().encodeToString(mac),
                    Crypto.hmacBase64("Jefe".getBytes(StandardCharsets.US_ASCII), "what do ya want for nothing?"));
        }

        @Test
        void sha256HexMatchesTheFips180Vector() {
            assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Crypto.sha256Hex("abc"));
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 1, 8, 24, 43, 200})
        void randomBase62HasTheRequestedLengthAndAlphabet(int length) {
            String s = Crypto.randomBase62(length);
            assertEquals(length, s.length());
            assertTrue(s.matches("[0-9A-Za-z]*"), s);
        }

        @Test
        void randomBase62UsesTheWholeAlphabetAndDoesNotRepeat() {
            Set<Character> seen = new HashSet<>();
            for (char c : Crypto.randomBase62(62 * 200).toCharArray()) {
                seen.add(c);
            }
            assertEquals(62, seen.size(), "all of 0-9A-Za-z should appear in 12,400 random characters");
            assertNotEquals(Crypto.randomBase62(24), Crypto.randomBase62(24));
        }

        @Test
        void randomBytesHasTheRequestedLengthAndDiffers() {
            assertEquals(0, Crypto.randomBytes(0).length);
            assertEquals(32, Crypto.randomBytes(32).length);
            assertFalse(Arrays.equals(Crypto.randomBytes(32), Crypto.randomBytes(32)));
        }

        @Test
        void constantTimeEquals() {
            assertFalse(Crypto.constantTimeEquals(null, null));
            assertFalse(Crypto.constantTimeEquals(null, "abc"));
            assertFalse(Crypto.constantTimeEquals("abc", null));
            assertFalse(Crypto.constantTimeEquals("abc", "abd"));
            assertFalse(Crypto.constantTimeEquals("abc", "abcd"));
            assertFalse(Crypto.constantTimeEquals("é", "e"));
            assertTrue(Crypto.constantTimeEquals("abc", new String("abc")));
            assertTrue(Crypto.constantTimeEquals("", ""));
        }
    }

    @Nested
    class MasterKeyTest {
        @Test
        void generatesAKeyFileWithMode600OnceAndReusesIt(@TempDir Path tmp) throws Exception {
            Path dataDir = tmp.resolve("not-yet-created");
            byte[] first = MasterKey.load(Optional.empty(), dataDir);
            assertEquals(32, first.length);

            Path file = dataDir.resolve(MasterKey.FILE_NAME);
            assertTrue(Files.isRegularFile(file));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            String stored = Files.readString(file, StandardCharsets.US_ASCII);
            assertArrayEquals(first, Base64.getDecoder().decode(stored.trim()));

            byte[] second = MasterKey.load(Optional.empty(), dataDir);
            assertArrayEquals(first, second);
            assertEquals(stored, Files.readString(file, StandardCharsets.US_ASCII), "the key file is not rewritten");

            assertFalse(
                    Arrays.equals(first, MasterKey.load(Optional.empty(), tmp.resolve("other"))),
                    "another data dir gets another key");
        }

        @Test
        void aConfiguredKeyWinsAndNoFileIsWritten(@TempDir Path tmp) {
            byte[] configured = Crypto.randomBytes(32);
            Path dataDir = tmp.resolve("data");
            byte[] loaded = MasterKey.load(Optional.of(configured), dataDir);
            assertArrayEquals(configured, loaded);
            assertFalse(Files.exists(dataDir.resolve(MasterKey.FILE_NAME)));
            assertFalse(Files.exists(dataDir));
        }

        @Test
        void aConfiguredKeyWinsOverAnExistingKeyFile(@TempDir Path tmp) {
            byte[] generated = MasterKey.load(Optional.empty(), tmp);
            byte[] configured = Crypto.randomBytes(32);
            assertArrayEquals(configured, MasterKey.load(Optional.of(configured), tmp));
            assertFalse(Arrays.equals(generated, configured));
        }

        @Test
        void aKeyFileOfTheWrongLengthIsRefused(@TempDir Path tmp) throws Exception {
            Files.writeString(
                    tmp.resolve(MasterKey.FILE_NAME), Base64.getEncoder().encodeToString(new byte[16]) + "\n");
            assertThrows(IllegalStateException.class, () -> MasterKey.load(Optional.empty(), tmp));
        }
    }
}
