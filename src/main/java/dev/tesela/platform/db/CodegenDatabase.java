package dev.tesela.platform.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;

/**
 * A build step, never called at run time: migrates a new H2 database file with the real migrations, as the
 * application does on H2 (the same Flyway, the placeholders of {@link Vendor#H2}), with an empty table prefix: the
 * tenant schema's tables into schema {@code tenant}, the control plane's into schema {@code control}. jOOQ's code
 * generator then reads that database (pom.xml, jooq-codegen-maven) and writes the table classes repositories use,
 * named without a prefix under those two placeholder schemas; {@link Database} maps them to each tenant's prefix and
 * database at run time.
 *
 * <p>pom.xml runs it at generate-sources, before anything is compiled, in the JDK's source-file mode
 * ({@code java CodegenDatabase.java <migrations dir> <database file>}), which compiles this file and the source files
 * it uses from the same tree. So it may use only {@link Vendor} and the dependencies: not {@link SchemaTables} or
 * anything else that uses the generated classes.
 */
public final class CodegenDatabase {
    /** The migration folders under the migrations dir, each migrated into the schema of its name (jooq-codegen-maven's input schemas). */
    private static final List<String> SCHEMAS = List.of("tenant", "control");

    private CodegenDatabase() {}

    /** Arguments: the migrations folder (holding tenant/ and control/), and the H2 database file without suffix. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: CodegenDatabase <migrations dir> <h2 database file>");
        }
        Path migrations = Path.of(args[0]).toAbsolutePath();
        Path file = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(file.getParent());
        // A fresh database every build: an edited migration must not meet the history of its previous text.
        Files.deleteIfExists(Path.of(file + ".mv.db"));
        Files.deleteIfExists(Path.of(file + ".trace.db"));
        String url = "jdbc:h2:file:" + file + ";DATABASE_TO_LOWER=TRUE";
        Map<String, String> placeholders = new HashMap<>(Vendor.H2.placeholders());
        placeholders.put("prefix", "");
        for (String schema : SCHEMAS) {
            Flyway.configure()
                    .dataSource(url, "sa", "")
                    .locations("filesystem:" + migrations.resolve(schema))
                    .failOnMissingLocations(true)
                    .schemas(schema)
                    .defaultSchema(schema)
                    .createSchemas(true)
                    .table("schema_history")
                    .placeholders(placeholders)
                    .loggers("slf4j")
                    .load()
                    .migrate();
        }
    }
}
