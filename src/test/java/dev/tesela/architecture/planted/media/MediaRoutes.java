package dev.tesela.architecture.planted.media;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;

import io.javalin.http.Context;
import org.jooq.DSLContext;
import org.jooq.Field;

/** A handler doing everything a handler must not do, next to look-alikes that are fine. */
final class MediaRoutes {
    private final MediaRepository repository = new MediaRepository();

    int list(DSLContext dsl) {
        return repository.count() + dsl.fetchCount(table(name("images")));
    }

    String tenant(Context ctx) {
        return ctx.header("host");
    }

    String forwarded(Context ctx) {
        return ctx.header("X-Forwarded-Host"); // fine: not the Host header
    }

    String mentioned(Context ctx) {
        String host = "Host"; // a constant that reaches no header read
        return host + ctx.path();
    }

    Field<Integer> column() {
        return field("views", Integer.class);
    }

    Field<Integer> plain() {
        return field(select(inline(1))); // fine: a scalar subquery, no name typed
    }
}
