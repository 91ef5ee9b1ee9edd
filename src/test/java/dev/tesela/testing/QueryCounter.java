package dev.tesela.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.impl.DefaultExecuteListenerProvider;

/**
 * Counts the SQL statements that a piece of work sends through the jOOQ {@link DSLContext}s it is attached to: every
 * statement jOOQ executes (a query, an insert, a batch counts once) on those contexts and on the transactions
 * derived from them. For tests only: it is attached to the cached contexts of a test's own application, on which
 * nothing else runs while it counts (no background jobs); statements a piece of work runs on another thread are
 * counted too, which is what a request's count needs. Thread-safe.
 */
public final class QueryCounter {
    private final List<String> statements = new ArrayList<>();

    private QueryCounter() {}

    /**
     * A counter attached to {@code contexts} (replacing any execute listeners they had: the application's contexts
     * have none). A context made later is not counted.
     */
    public static QueryCounter attachTo(DSLContext... contexts) {
        QueryCounter counter = new QueryCounter();
        ExecuteListener listener = new ExecuteListener() {
            @Override
            public void executeStart(ExecuteContext ctx) {
                counter.record(ctx.sql() != null ? ctx.sql() : String.valueOf(ctx.query()));
            }
        };
        for (DSLContext dsl : contexts) {
            // DefaultConfiguration#set changes this configuration in place, so the application's cached context counts.
            dsl.configuration().set(new DefaultExecuteListenerProvider(listener));
        }
        return counter;
    }

    private synchronized void record(String sql) {
        statements.add(sql);
    }

    /** Runs {@code work}; returns its result and the statements it executed. */
    public <T> Counted<T> count(Supplier<T> work) {
        int from;
        synchronized (this) {
            from = statements.size();
        }
        T result = work.get();
        synchronized (this) {
            return new Counted<>(result, List.copyOf(statements.subList(from, statements.size())));
        }
    }

    /** A result and the statements made to compute it. */
    public record Counted<T>(T result, List<String> statements) {
        public int count() {
            return statements.size();
        }

        /** The statements, one per line, for assertion messages. */
        public String listing() {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < statements.size(); i++) {
                out.append(i + 1).append(". ").append(statements.get(i)).append('\n');
            }
            return out.toString();
        }
    }
}
