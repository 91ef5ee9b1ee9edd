package dev.tesela.account;

import dev.tesela.platform.web.Layout;

/** Model of the sign-in page. {@code error} is null when there is nothing to report. */
public record SignInPage(Layout layout, String login, String error) {}
