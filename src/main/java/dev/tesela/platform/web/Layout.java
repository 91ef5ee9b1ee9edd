package dev.tesela.platform.web;

/**
 * What every page's frame shows: site name, the signed-in user (null for guests), the CSRF token for the
 * sign-out form, and the request id (shown on error pages so a report can be matched with the log).
 */
public record Layout(String siteName, String username, boolean admin, String csrfToken, String requestId) {
    public boolean signedIn() {
        return username != null;
    }
}
