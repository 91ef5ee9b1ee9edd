package dev.tesela.platform.web;

/**
 * What every page's frame shows: site name, the signed-in user (null for guests), the CSRF token for the
 * sign-out form, the request id (shown on error pages so a report can be matched with the log), and whether to
 * show the sign-in/sign-out navigation (not on the installer, where there is nobody to sign in yet).
 */
public record Layout(
        String siteName, String username, boolean admin, String csrfToken, String requestId, boolean showNav) {
    public boolean signedIn() {
        return username != null;
    }
}
