package dev.tesela.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.testing.CliRun;
import dev.tesela.testing.CliSession;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code tesela storage-add/-list/-test/-edit/-delete} through the real command line on one wiring: output, JSON,
 * exit codes (0 done, 1 refused or failed, 2 bad usage), the secret read from an environment variable or a file and
 * never printed, and an s3 storage that does not answer refused with a clear message.
 */
class StorageCliTest {
    private static final String SECRET = "cli-SECRET-value-0123456789";
    /** An endpoint where nothing listens (the discard port, closed on test machines). */
    private static final String CLOSED_ENDPOINT = "http://127.0.0.1:9";

    @Test
    void storagesThroughTheCommandLine() throws Exception {
        Map<String, String> env;
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2)) {
            Map<String, String> extra = new HashMap<>();
            extra.put("STORAGE_SECRET", SECRET);
            extra.put("TESELA_STORAGE_TIMEOUT_SECONDS", "3");
            env = TestApps.env(db, extra);
            try (CliSession cli = new CliSession(env)) {
                CliRun notInstalled = cli.run("storage-list");
                assertEquals(3, notInstalled.exitCode(), notInstalled::toString);
                assertEquals(
                        0,
                        cli.run("install", "-u", "admin", "-e", "admin@example.com", "-x", "correct horse battery")
                                .exitCode());
                assertTrue(cli.run("storage-list").out().contains("No storages"));

                Path folder = Files.createTempDirectory("tesela-cli-storage-");
                CliRun add = cli.run(
                        "storage-add",
                        "--api",
                        "local",
                        "--name",
                        "Disk two",
                        "--folder",
                        folder.toString(),
                        "--capacity",
                        "2GB",
                        "--public-url",
                        "https://files.example.com/");
                assertEquals(0, add.exitCode(), add::toString);
                assertTrue(add.out().contains("Added storage 1 (tested)."), add.out());
                assertTrue(add.out().contains("0 B / 2.0 GiB"), add.out());

                CliRun list = cli.run("storage-list");
                assertTrue(
                        list.out().contains("Disk two") && list.out().contains("https://files.example.com/"),
                        list.out());
                assertTrue(list.outLines().getFirst().startsWith("ID"), list.out());

                CliRun test = cli.run("storage-test", "1");
                assertEquals(0, test.exitCode(), test::toString);
                assertTrue(test.out().contains("OK"), test.out());

                // An s3 storage nothing answers for (port 9: closed): the round trip fails with a clear message
                // within the storage timeout, nothing is saved.
                CliRun s3 = cli.run(
                        "storage-add",
                        "--api",
                        "s3",
                        "--name",
                        "Bucket",
                        "--bucket",
                        "my-bucket",
                        "--endpoint",
                        CLOSED_ENDPOINT,
                        "--key",
                        "AKIA1",
                        "--secret-env",
                        "STORAGE_SECRET",
                        "--path-style");
                assertEquals(1, s3.exitCode(), s3::toString);
                assertTrue(s3.err().contains("cannot be reached"), s3.err());
                assertFalse(s3.out().contains(SECRET) || s3.err().contains(SECRET));

                Path secretFile = Files.writeString(Files.createTempFile("tesela-secret-", ".txt"), SECRET + "\n");
                CliRun saved = cli.run(
                        "storage-add",
                        "--api",
                        "s3",
                        "--name",
                        "Bucket",
                        "--bucket",
                        "my-bucket",
                        "--endpoint",
                        CLOSED_ENDPOINT,
                        "--key",
                        "AKIA1",
                        "--secret-file",
                        secretFile.toString(),
                        "--no-test",
                        "--inactive");
                assertEquals(0, saved.exitCode(), saved::toString);
                assertTrue(saved.out().contains("(not tested)"), saved.out());

                // The secret from standard input.
                var out = new java.io.ByteArrayOutputStream();
                var err = new java.io.ByteArrayOutputStream();
                int fromStdin = dev.tesela.cli.TeselaCli.run(
                        new String[] {
                            "storage-add",
                            "--api",
                            "s3",
                            "--name",
                            "Stdin",
                            "--bucket",
                            "other-bucket",
                            "--key",
                            "AKIA2",
                            "--secret",
                            "-",
                            "--no-test"
                        },
                        env,
                        new java.io.ByteArrayInputStream(
                                (SECRET + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
                        cli.app());
                assertEquals(0, fromStdin, err::toString);
                var tenant = cli.app().defaultTenant();
                String sealed = tenant.db()
                        .dsl()
                        .select(org.jooq.impl.DSL.field(org.jooq.impl.DSL.name("secret_enc"), String.class))
                        .from(org.jooq.impl.DSL.table(org.jooq.impl.DSL.name("storages")))
                        .where(org.jooq
                                .impl
                                .DSL
                                .field(org.jooq.impl.DSL.name("name"))
                                .eq("Stdin"))
                        .fetchOne(0, String.class);
                long stdinId = cli.run("storage-list", "--json")
                        .json()
                        .get(2)
                        .get("id")
                        .asLong();
                assertEquals(
                        SECRET,
                        new StorageCredentials(tenant.id(), tenant.keys())
                                .open(stdinId, StorageCredentials.Field.SECRET, sealed));
                assertEquals(
                        0, cli.run("storage-delete", String.valueOf(stdinId)).exitCode());

                CliRun json = cli.run("storage-list", "--json");
                assertEquals(0, json.exitCode(), json::toString);
                assertFalse(json.out().contains(SECRET) || json.out().contains("AKIA1"), json.out());
                JsonNode storages = json.json();
                assertEquals(2, storages.size());
                assertEquals("s3", storages.get(1).get("api").asString());
                assertTrue(storages.get(1).get("has_credentials").asBoolean());
                assertFalse(storages.get(1).get("active").asBoolean());
                assertEquals(2L << 30, storages.get(0).get("capacity_bytes").asLong());

                CliRun recount = cli.run("storage-list", "--recount");
                assertEquals(0, recount.exitCode(), recount::toString);
                assertTrue(recount.out().contains("0 B / 2.0 GiB"), recount.out());

                CliRun failedTest = cli.run("storage-test", "2");
                assertEquals(1, failedTest.exitCode(), failedTest::toString);
                assertTrue(failedTest.err().contains("FAILED at put"), failedTest.err());
                assertTrue(failedTest.err().contains("cannot be reached"), failedTest.err());

                CliRun edit =
                        cli.run("storage-edit", "1", "--active", "false", "--capacity", "none", "--site-files", "true");
                assertEquals(0, edit.exitCode(), edit::toString);
                JsonNode edited = cli.run("storage-list", "--json").json().get(0);
                assertFalse(edited.get("active").asBoolean());
                assertTrue(edited.get("capacity_bytes").isNull());
                assertTrue(edited.get("site_files").asBoolean());

                CliRun twoSources = cli.run("storage-edit", "2", "--secret", "x", "--secret-env", "STORAGE_SECRET");
                assertEquals(1, twoSources.exitCode(), twoSources::toString);
                assertTrue(twoSources.err().contains("one way"), twoSources.err());

                CliRun bad = cli.run("storage-edit", "1", "--public-url", "ftp://x/", "--capacity", "lots");
                assertEquals(1, bad.exitCode(), bad::toString);
                assertTrue(bad.err().contains("public-url") && bad.err().contains("capacity"), bad.err());

                assertEquals(2, cli.run("storage-add", "--name", "no api").exitCode(), "usage error");
                assertEquals(1, cli.run("storage-delete", "42").exitCode());
                assertEquals(0, cli.run("storage-delete", "2").exitCode());
                assertEquals(0, cli.run("storage-delete", "1").exitCode());
                assertTrue(cli.run("storage-list").out().contains("No storages"));
            }
        }
        TestFiles.deleteTree(TestApps.dataDir(env));
    }
}
