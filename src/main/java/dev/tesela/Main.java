package dev.tesela;

import dev.tesela.cli.TeselaCli;

/** Process entry point: {@code java -jar tesela.jar <command>} (the ./tesela launcher passes the JVM flags). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        int code = TeselaCli.run(args, System.getenv(), System.out, System.err);
        System.exit(code);
    }
}
