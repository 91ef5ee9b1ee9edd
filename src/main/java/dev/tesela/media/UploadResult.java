package dev.tesela.media;

/** A stored upload, with the secret of its delete link (shown once, stored only as a keyed hash). */
public record UploadResult(StoredImage image, String deleteSecret) {}
