package dev.tesela.site;

import dev.tesela.platform.web.LayoutFactory;
import dev.tesela.platform.web.Routes;
import dev.tesela.platform.web.Templates;
import dev.tesela.platform.web.WebKeys;
import dev.tesela.settings.SettingsService;
import io.javalin.config.RoutesConfig;

/** The site's front page. */
public final class SiteRoutes implements Routes {
    private final SettingsService settings;
    private final Templates templates;
    private final LayoutFactory layouts;
    private final PoweredBy poweredBy;

    public SiteRoutes(SettingsService settings, Templates templates, LayoutFactory layouts, PoweredBy poweredBy) {
        this.settings = settings;
        this.templates = templates;
        this.layouts = layouts;
        this.poweredBy = poweredBy;
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.get(
                "/",
                ctx -> templates.render(
                        ctx,
                        "home.jte",
                        new HomePage(layouts.forPage(ctx), settings.get(WebKeys.rc(ctx), "website_description"))));
        routes.get(
                "/powered-by",
                ctx -> templates.render(ctx, "powered-by.jte", new PoweredByPage(layouts.forPage(ctx), poweredBy)));
    }
}
