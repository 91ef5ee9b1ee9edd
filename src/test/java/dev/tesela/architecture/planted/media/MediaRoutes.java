package dev.tesela.architecture.planted.media;

import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.javalin.http.Context;
import org.jooq.DSLContext;
import org.jooq.Table;

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

    Table<?> plain() {
        return table(name("not_a_tenant_table")); // fine: not a tenant table
    }
}
