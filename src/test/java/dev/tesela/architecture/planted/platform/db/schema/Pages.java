package dev.tesela.architecture.planted.platform.db.schema;

import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Stands for a table class jOOQ generates from the migrations (here for a table {@code pages}): the one place that may
 * name tables and columns by string, and no handler although its name ends with {@code Pages}.
 */
public final class Pages {
    public static final Table<Record> PAGES = DSL.table(DSL.name("tenant", "pages"));
    public static final Field<Long> ID = DSL.field(DSL.name("id"), Long.class);

    private Pages() {}
}
