package dev.tesela.imaging;

/** What an engine wrote: the real size of the output (after orientation, fit and rounding). */
public record Rendered(ImageFormat format, int width, int height, int frames, long byteSize) {}
