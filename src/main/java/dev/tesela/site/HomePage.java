package dev.tesela.site;

import dev.tesela.platform.web.Layout;

/** Model of the home page. */
public record HomePage(Layout layout, String description) {}
