package dev.tesela.testing;

import dev.tesela.cli.TeselaCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One command line run in-process through {@link TeselaCli#run}, with what it printed. */
public record CliRun(int exitCode, String out, String err) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Runs {@code args} with {@code env} as the environment, wired for this one run as a {@code tesela} process is (see
     * {@link CliSession} for many runs on one wiring); never touches System.out/err.
     */
    public static CliRun run(Map<String, String> env, String... args) {
        return run((out, err) -> TeselaCli.run(args, env, out, err));
    }

    /** A command line run by {@code cli} on the streams it is given; returns its exit code. */
    interface Invocation {
        int run(PrintStream out, PrintStream err);
    }

    static CliRun run(Invocation cli) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = cli.run(o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Non-blank lines of stdout. */
    public List<String> outLines() {
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    public String lastLine() {
        List<String> lines = outLines();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    /** Stdout parsed as JSON. */
    public JsonNode json() {
        return JSON.readTree(out);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
