package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tesela.platform.context.RequestContext;
import dev.tesela.platform.security.Crypto;
import dev.tesela.testing.CliRun;
import dev.tesela.testing.CliSession;
import dev.tesela.testing.S3Server;
import dev.tesela.testing.TestApps;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code storage-move} from a site's built-in folder into an S3 bucket through the CLI, in two runs (the first
 * stopped by {@code --limit}): progress is printed, the second run goes on where the first stopped, the files end up
 * in the bucket only, each image's row names the bucket, and every image still reads byte for byte the same through
 * the storage its row names.
 */
class S3StorageMoveTest {

    @Test
    void imagesMoveFromTheBuiltInFolderIntoABucketInResumableRuns() throws Exception {
        S3Server s3 = S3Server.shared();
        String bucket = "move-" + Crypto.randomBase62(8).toLowerCase(Locale.ROOT);
        s3.createBucket(bucket);
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2)) {
            Map<String, String> extra = new HashMap<>();
            extra.put("S3_TEST_SECRET", S3Server.SECRET_KEY);
            Map<String, String> env = TestApps.env(db, extra);
            try (CliSession cli = new CliSession(env)) {
                ok(cli.run("install", "-u", "admin", "-e", "admin@example.com", "-x", "a long password"));
                RequestContext rc = cli.app().systemContext(cli.app().defaultTenant());
                List<StoredImage> images = new ArrayList<>();
                List<byte[]> originals = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    StoredImage image = cli.app()
                            .media()
                            .upload(rc, StoragesUploadTest.request(TestImages.jpeg(640, 480, i)))
                            .image();
                    images.add(image);
                    originals.add(Files.readAllBytes(builtIn(env).resolve(image.storageKey())));
                }
                ok(cli.run(
                        "storage-add",
                        "--api",
                        "s3",
                        "--name",
                        "bucket",
                        "--bucket",
                        bucket,
                        "--endpoint",
                        s3.endpoint().toString(),
                        "--path-style",
                        "--key",
                        S3Server.ACCESS_KEY,
                        "--secret-env",
                        "S3_TEST_SECRET"));
                String id = "1";

                CliRun first = ok(cli.run("storage-move", "--from", "local", "--to", id, "--limit", "1"));
                assertTrue(first.lastLine().startsWith("moved 1 of 3 image(s)"), first.out());
                CliRun rest = ok(cli.run("storage-move", "--from", "local", "--to", id));
                assertTrue(rest.lastLine().startsWith("moved 2 of 2 image(s)"), rest.out());
                assertTrue(rest.lastLine().endsWith("; done"), rest.out());

                TreeSet<String> expected = new TreeSet<>();
                RequestContext now = cli.app().systemContext(cli.app().defaultTenant());
                for (int i = 0; i < images.size(); i++) {
                    StoredImage image = images.get(i);
                    expected.addAll(StoragesUploadTest.keys(image));
                    StoredImage moved = cli.app()
                            .media()
                            .find(now, cli.app().media().publicIds(now).encode(image.id()))
                            .orElseThrow();
                    assertEquals(1L, moved.storageId(), "the row names the bucket");
                    var storage = now.tenant().storages().byId(moved.storageId());
                    try (var in = storage.store().open(moved.storageKey()).orElseThrow()) {
                        assertArrayEquals(originals.get(i), in.readAllBytes(), "the same bytes in the bucket");
                    }
                }
                assertEquals(expected, new TreeSet<>(s3.objectKeys(bucket)), "every file, and nothing else");
                assertEquals(List.of(), StoragesUploadTest.files(builtIn(env)), "nothing left in the built-in folder");
                CliRun again = ok(cli.run("storage-move", "--from", "local", "--to", id));
                assertTrue(again.lastLine().startsWith("moved 0 of 0 image(s)"), again.out());
            }
        }
    }

    private static Path builtIn(Map<String, String> env) {
        return TestApps.dataDir(env).resolve("files").resolve("default");
    }

    private static CliRun ok(CliRun run) {
        assertEquals(0, run.exitCode(), run::toString);
        return run;
    }
}
