package dev.tesela.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tesela.App;
import dev.tesela.platform.context.RequestContext;
import dev.tesela.testing.TestDatabase;
import dev.tesela.testing.TestImages;
import dev.tesela.testing.TestSite;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two uploads naming the same NEW tag at the same moment: the second one's tag insert waits on the first one's
 * uncommitted row and, once that commits, fails on the unique tag name. The upload must still succeed (the
 * transaction runs again and links the tag the other one created), not answer 500. Staged deterministically on
 * PostgreSQL: a plain JDBC transaction plays the first upload and holds its new tag uncommitted until the upload is
 * seen waiting on it (pg_stat_activity), then commits.
 */
class NewTagRaceTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anUploadWhoseNewTagAConcurrentUploadCreatedFirstStillSucceeds() throws Exception {
        try (TestSite site = TestSite.on(TestDatabase.Kind.POSTGRES).installed().start();
                Connection other = site.db().connect();
                Connection observer = site.db().connect()) {
            App app = site.app();
            RequestContext system = site.system();

            other.setAutoCommit(false);
            other.createStatement()
                    .executeUpdate(
                            "INSERT INTO tsl_tags (name, file_count, created_at) VALUES ('harbour', 0, CURRENT_TIMESTAMP)");
            CompletableFuture<UploadResult> upload = CompletableFuture.supplyAsync(() -> app.media()
                    .upload(
                            system,
                            new UploadRequest(
                                    new UploadSource.FilePart(
                                            () -> new ByteArrayInputStream(TestImages.jpeg(300, 200, 7)),
                                            "photo.jpg",
                                            null),
                                    null,
                                    null,
                                    "harbour",
                                    null,
                                    null,
                                    null,
                                    null,
                                    null,
                                    true)));
            awaitWaitingOnALock(observer, upload); // autocommit: each poll reads fresh activity
            other.commit();

            UploadResult result = upload.get(30, TimeUnit.SECONDS);
            assertEquals(List.of("harbour"), result.image().tags());
            var stored = app.media()
                    .find(
                            system,
                            app.media().publicIds(system).encode(result.image().id()))
                    .orElseThrow();
            assertEquals(List.of("harbour"), stored.tags(), "linked to the tag the other transaction created");
            try (var rs = observer.createStatement()
                    .executeQuery("SELECT count(*), max(file_count) FROM tsl_tags WHERE name = 'harbour'")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "one tag of that name");
                assertEquals(1, rs.getInt(2), "counted once");
            }
        }
    }

    /** Polls (bounded) until a backend of this database waits on a lock: the upload's insert of the same tag name. */
    private static void awaitWaitingOnALock(Connection observer, CompletableFuture<?> upload) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (upload.isDone()) {
                fail("the upload finished before the competing tag was committed: " + upload.join());
            }
            try (var rs = observer.createStatement()
                    .executeQuery(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        fail("the upload never waited on the competing tag");
    }
}
