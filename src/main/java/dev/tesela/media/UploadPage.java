package dev.tesela.media;

import dev.tesela.platform.web.Layout;
import java.time.Duration;

/**
 * Model of the upload page.
 *
 * @param maxBytes          the largest file this visitor may send (the page refuses bigger ones before sending)
 * @param expirationChoice  whether to offer the "delete after" choice (it would be ignored otherwise)
 * @param forcedExpiryLabel how soon a guest's uploads are deleted automatically ("1 day"), when the site sets that;
 *                          else null
 */
public record UploadPage(
        Layout layout,
        boolean allowed,
        long maxBytes,
        String maxSizeLabel,
        boolean expirationChoice,
        String forcedExpiryLabel) {

    static UploadPage of(Layout layout, MediaService.UploadOptions options) {
        return new UploadPage(
                layout,
                options.allowed(),
                options.maxBytes(),
                Sizes.format(options.maxBytes()),
                options.expirationChoice(),
                options.forcedExpiry() == null ? null : label(options.forcedExpiry()));
    }

    /** "5 minutes", "1 hour", "3 days": the largest whole unit. */
    static String label(Duration d) {
        long s = d.toSeconds();
        long[] sizes = {86_400, 3_600, 60, 1};
        String[] names = {"day", "hour", "minute", "second"};
        for (int i = 0; i < sizes.length; i++) {
            if (s >= sizes[i] && (s % sizes[i] == 0 || i == 0)) {
                long n = s / sizes[i];
                return n + " " + names[i] + (n == 1 ? "" : "s");
            }
        }
        return s + " seconds";
    }
}
