package dev.tesela.site;

import dev.tesela.platform.web.Layout;

/** Model of the /powered-by page. */
public record PoweredByPage(Layout layout, PoweredBy poweredBy) {}
