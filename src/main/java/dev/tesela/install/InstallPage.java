package dev.tesela.install;

import dev.tesela.platform.web.Layout;
import java.util.Map;

/** Model of the web installer. {@code errors} maps a field name (or "form") to its message. */
public record InstallPage(Layout layout, String username, String email, Map<String, String> errors) {
    public String error(String field) {
        return errors.get(field);
    }
}
