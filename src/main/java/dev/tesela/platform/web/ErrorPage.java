package dev.tesela.platform.web;

/** Model of the error page. {@code message} is always a public message, never internal detail. */
public record ErrorPage(Layout layout, int status, String title, String message) {}
