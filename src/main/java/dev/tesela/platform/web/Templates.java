package dev.tesela.platform.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;

/** JTE templates, precompiled at build time (src/main/jte). Output is HTML-escaped by context. Thread-safe. */
public final class Templates {
    private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);

    /** Renders {@code template} with its single typed parameter {@code page} as the response body. */
    public void render(Context ctx, String template, Object page) {
        StringOutput out = new StringOutput();
        engine.render(template, page, out);
        ctx.contentType("text/html; charset=utf-8").result(out.toString());
    }
}
