package dev.tesela.architecture.planted.account;

/** A feature type the platform must not know. */
public record AccountView(String name) {}
