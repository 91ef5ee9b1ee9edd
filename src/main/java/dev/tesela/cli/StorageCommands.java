package dev.tesela.cli;

import dev.tesela.App;
import dev.tesela.platform.error.AppException;
import dev.tesela.storage.StorageService;
import dev.tesela.storage.StorageService.Fields;
import dev.tesela.storage.StorageService.StorageView;
import dev.tesela.storage.StorageSizes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tesela storage-add/-list/-test/-edit/-delete}: a site's storages (see {@link StorageService}). A secret is
 * best not given on the command line, where other users of the machine see it (ps, /proc, shell history): pass it
 * with {@code --secret-env NAME} (read from that environment variable), {@code --secret-file PATH} or {@code --secret
 * -} (read from standard input). Exit codes: 0 done (for storage-test: the test passed), 1 refused or failed (bad
 * input, a failed test, a limit), 2 bad usage.
 */
final class StorageCommands {
    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private StorageCommands() {}

    /** The fields add and edit share. */
    abstract static class FieldsCommand extends SiteCommands.SiteCommand {
        @Option(names = "--name", description = "What the admins call it (1-100 characters).")
        String name;

        @Option(
                names = {"--bucket", "--folder"},
                description = "s3: the bucket's name; local: the folder (an absolute path).")
        String bucket;

        @Option(names = "--region", description = "s3: the bucket's region (default us-east-1; 'auto' for R2).")
        String region;

        @Option(
                names = "--endpoint",
                description = "s3: the service's URL, http(s) (e.g. http://127.0.0.1:9000); none for AWS S3.")
        String endpoint;

        @Option(
                names = "--public-url",
                description = "Base URL its files are served from directly (bucket website or CDN), http(s), ending "
                        + "in '/'; none: through Tesela.")
        String publicUrl;

        @Option(names = "--capacity", description = "Capacity such as 50GB, 500M, 2TiB (1024-based); none: unlimited.")
        String capacity;

        @Option(names = "--key-prefix", description = "Objects live under this prefix of the bucket (e.g. site1/).")
        String keyPrefix;

        @Option(names = "--key", description = "s3: the access key id.")
        String key;

        @Option(
                names = "--secret",
                description = "s3: the secret key, or '-' to read it from standard input. Visible to other users "
                        + "in the process list: prefer --secret-env or --secret-file.")
        String secret;

        @Option(names = "--secret-env", description = "s3: read the secret key from this environment variable.")
        String secretEnv;

        @Option(names = "--secret-file", description = "s3: read the secret key from this file (its first line).")
        Path secretFile;

        @Option(names = "--no-test", description = "Save without the put/get/delete round trip.")
        boolean noTest;

        FieldsCommand(CliEnvironment cli) {
            super(cli);
        }

        /** The secret from whichever source was named (one at most), or null. */
        String secret() {
            int sources = (secret != null ? 1 : 0) + (secretEnv != null ? 1 : 0) + (secretFile != null ? 1 : 0);
            if (sources > 1) {
                throw AppException.invalid(
                        "secret", "Give the secret one way: --secret, --secret-env or --secret-file.");
            }
            if (secretEnv != null) {
                String value = cli.env().get(secretEnv);
                if (value == null || value.isBlank()) {
                    throw AppException.invalid(
                            "secret", "The environment variable " + secretEnv + " (--secret-env) is not set.");
                }
                return value.strip();
            }
            if (secretFile != null) {
                try {
                    return Files.readString(secretFile, StandardCharsets.UTF_8)
                            .lines()
                            .findFirst()
                            .orElse("")
                            .strip();
                } catch (IOException e) {
                    throw AppException.invalid(
                            "secret", "Cannot read --secret-file " + secretFile + ": " + e.getMessage());
                }
            }
            if ("-".equals(secret)) {
                return firstLine(cli.in());
            }
            return secret;
        }
    }

    @Command(
            name = "storage-add",
            description = "Add a storage to the site (a local folder or an S3-compatible bucket), after a put/get/"
                    + "delete round trip against it unless --no-test. Prints the storage.")
    static final class Add extends FieldsCommand {
        @Option(names = "--api", required = true, description = "local or s3.")
        String api;

        @Option(names = "--path-style", description = "s3: path-style addressing (most self-hosted services need it).")
        boolean pathStyle;

        @Option(names = "--inactive", description = "Add it disabled (it takes no uploads until enabled).")
        boolean inactive;

        @Option(names = "--site-files", description = "Make it the storage of the site's logo, avatars and covers.")
        boolean siteFiles;

        Add(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireSchema(app);
            StorageView added = app.storages()
                    .add(
                            cli.system(app, tenant),
                            new Fields(
                                    name, api, bucket, region, endpoint, publicUrl, capacity, keyPrefix, key, secret(),
                                    pathStyle, !inactive, siteFiles),
                            !noTest);
            cli.out().println("Added storage " + added.id() + (noTest ? " (not tested)." : " (tested)."));
            printTable(cli, List.of(added));
            return 0;
        }
    }

    @Command(name = "storage-list", description = "List the site's storages (never their credentials).")
    static final class ListStorages extends SiteCommands.SiteCommand {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Option(
                names = "--recount",
                description = "First set every storage's used bytes to what its images take (after a crash or a"
                        + " manual change).")
        boolean recount;

        ListStorages(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireSchema(app);
            List<StorageView> storages = recount
                    ? app.storages().recount(cli.system(app, tenant))
                    : app.storages().list(cli.system(app, tenant));
            if (json) {
                cli.out()
                        .println(JSON.writeValueAsString(
                                storages.stream().map(StorageCommands::json).toList()));
            } else if (storages.isEmpty()) {
                cli.out().println("No storages: files go to the site's built-in folder.");
            } else {
                printTable(cli, storages);
            }
            return 0;
        }
    }

    @Command(
            name = "storage-test",
            description = "Put, stat, read back and delete a small object in a storage; exit code 1 when that fails.")
    static final class Test extends SiteCommands.SiteCommand {
        @Parameters(index = "0", description = "The storage's id.")
        long id;

        Test(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireSchema(app);
            var result = app.storages().test(cli.system(app, tenant), id);
            (result.ok() ? cli.out() : cli.err()).println("Storage " + id + ": " + result.describe());
            return result.ok() ? 0 : 1;
        }
    }

    @Command(
            name = "storage-edit",
            description = "Change a storage's fields; those not given are kept (the secret too). The round trip runs "
                    + "again when a connection field changes, unless --no-test.")
    static final class Edit extends FieldsCommand {
        @Parameters(index = "0", description = "The storage's id.")
        long id;

        @Option(names = "--path-style", arity = "1", description = "s3: true or false.")
        Boolean pathStyle;

        @Option(names = "--active", arity = "1", description = "true: takes new uploads; false: disabled.")
        Boolean active;

        @Option(
                names = "--site-files",
                arity = "1",
                description = "true: the storage of the site's logo, avatars and covers (one at most).")
        Boolean siteFiles;

        Edit(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireSchema(app);
            StorageView edited = app.storages()
                    .edit(
                            cli.system(app, tenant),
                            id,
                            new Fields(
                                    name, null, bucket, region, endpoint, publicUrl, capacity, keyPrefix, key, secret(),
                                    pathStyle, active, siteFiles),
                            !noTest);
            cli.out().println("Storage " + id + " updated.");
            printTable(cli, List.of(edited));
            return 0;
        }
    }

    @Command(
            name = "storage-delete",
            description = "Delete a storage (refused while images use it). Its objects are left where they are.")
    static final class Delete extends SiteCommands.SiteCommand {
        @Parameters(index = "0", description = "The storage's id.")
        long id;

        Delete(CliEnvironment cli) {
            super(cli);
        }

        @Override
        int run(App app) {
            requireSchema(app);
            app.storages().delete(cli.system(app, tenant), id);
            cli.out().println("Storage " + id + " deleted.");
            return 0;
        }
    }

    static Map<String, Object> json(StorageView s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("api", s.api());
        m.put("bucket", s.bucket());
        m.put("region", s.region().orElse(null));
        m.put("endpoint", s.endpoint().orElse(null));
        m.put("public_url", s.publicUrl().orElse(null));
        m.put("key_prefix", s.keyPrefix());
        m.put("path_style", s.pathStyle());
        m.put("active", s.active());
        m.put("site_files", s.siteFiles());
        m.put(
                "capacity_bytes",
                s.capacityBytes().isPresent() ? s.capacityBytes().getAsLong() : null);
        m.put("used_bytes", s.usedBytes());
        m.put("has_credentials", s.hasCredentials());
        m.put("created_at", s.createdAt().toString());
        return m;
    }

    static void printTable(CliEnvironment cli, List<StorageView> storages) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "ID", "NAME", "API", "BUCKET/FOLDER", "ENDPOINT", "PUBLIC URL", "ACTIVE", "SITE FILES", "USED/CAPACITY"
        });
        for (StorageView s : storages) {
            rows.add(new String[] {
                String.valueOf(s.id()),
                s.name(),
                s.api(),
                s.bucket() + (s.keyPrefix().isEmpty() ? "" : " (" + s.keyPrefix() + ")"),
                s.endpoint().orElse("-"),
                s.publicUrl().orElse("-"),
                s.active() ? "yes" : "no",
                s.siteFiles() ? "yes" : "no",
                StorageSizes.format(s.usedBytes()) + " / "
                        + (s.capacityBytes().isPresent()
                                ? StorageSizes.format(s.capacityBytes().getAsLong())
                                : "unlimited")
            });
        }
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(
                        i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row[i]));
            }
            cli.out().println(line.toString().stripTrailing());
        }
    }

    private static String firstLine(InputStream in) {
        try {
            byte[] bytes = in.readNBytes(4096);
            return new String(bytes, StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("")
                    .strip();
        } catch (IOException e) {
            throw AppException.invalid("secret", "Cannot read the secret from standard input: " + e.getMessage());
        }
    }
}
