package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.media.StorageMove;
import dev.tesela.platform.error.AppException;
import dev.tesela.platform.error.ErrorCode;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code storage-move}: moves images' files from one storage of a site to another, keeping their links (see
 * {@link StorageMove}). Prints a progress line every {@value #EVERY} images and a summary; resumable, so after an
 * interruption the same command goes on where it stopped.
 */
@Command(
        name = "storage-move",
        description = "Move images' files from one storage to another (ids from storage-list; 'local' for the "
                + "site's built-in folder). Links keep working. Resumable: run it again after an interruption.")
final class StorageMoveCommand extends SiteCommands.SiteCommand {
    static final int EVERY = 50;

    @Option(names = "--from", required = true, description = "Storage id to move from, or 'local'.")
    String from;

    @Option(names = "--to", required = true, description = "Storage id to move to, or 'local'.")
    String to;

    @Option(names = "--limit", description = "Move at most this many images (default: all).")
    long limit;

    StorageMoveCommand(CliEnvironment cli) {
        super(cli);
    }

    @Override
    int run(App app) {
        requireInstalled(app);
        if (limit < 0) {
            throw new AppException(ErrorCode.INVALID_INPUT, "--limit must be 0 (all) or more.");
        }
        Long source = storageId("--from", from);
        Long target = storageId("--to", to);
        StorageMove.Progress done = app.media().moveFiles(cli.system(app, tenant), source, target, limit, p -> {
            if ((p.moved() + p.skipped()) % EVERY == 0) {
                cli.out().println(line(p));
            }
        });
        cli.out().println(line(done) + (done.moved() + done.skipped() < done.total() ? "" : "; done"));
        return done.skipped() > 0 ? 1 : 0;
    }

    private static String line(StorageMove.Progress p) {
        return String.format(
                Locale.ROOT,
                "moved %d of %d image(s) (%.1f MB copied)%s",
                p.moved(),
                p.total(),
                p.bytes() / 1e6,
                p.skipped() > 0 ? ", " + p.skipped() + " skipped (see the log; run again to retry them)" : "");
    }

    private static Long storageId(String option, String value) {
        if ("local".equalsIgnoreCase(value)) {
            return null;
        }
        try {
            long id = Long.parseLong(value);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new AppException(
                ErrorCode.INVALID_INPUT, option + " must be a storage id or 'local', not '" + value + "'.");
    }
}
