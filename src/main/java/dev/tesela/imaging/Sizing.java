package dev.tesela.imaging;

/**
 * How the Java engine sizes a source: scale it to {@code scaledWidth} × {@code scaledHeight}, then crop the centre
 * to {@code width} × {@code height} (equal sizes when nothing is cropped). All in stored (not yet oriented) pixels.
 */
record Sizing(int scaledWidth, int scaledHeight, int width, int height) {

    /**
     * The sizing of a {@code sourceWidth} × {@code sourceHeight} stored image for {@code spec}. {@code swapAxes}: the
     * image will be rotated by a quarter turn afterwards, so the box of the spec (which is in upright pixels) is
     * swapped. Rounding matches libvips's for whole-number ratios (4000×3000 within 500 wide = 500×375).
     */
    static Sizing of(RenderSpec spec, int sourceWidth, int sourceHeight, boolean swapAxes) {
        int boxW = swapAxes ? spec.height() : spec.width();
        int boxH = swapAxes ? spec.width() : spec.height();
        return switch (spec.fit()) {
            case NONE -> new Sizing(sourceWidth, sourceHeight, sourceWidth, sourceHeight);
            case WITHIN -> {
                double sx = boxW > 0 ? (double) boxW / sourceWidth : Double.POSITIVE_INFINITY;
                double sy = boxH > 0 ? (double) boxH / sourceHeight : Double.POSITIVE_INFINITY;
                double scale = Math.min(sx, sy);
                if (scale >= 1) {
                    yield new Sizing(sourceWidth, sourceHeight, sourceWidth, sourceHeight);
                }
                int w = Math.max(1, (int) Math.round(sourceWidth * scale));
                int h = Math.max(1, (int) Math.round(sourceHeight * scale));
                yield new Sizing(w, h, w, h);
            }
            case COVER -> {
                double scale = Math.max((double) boxW / sourceWidth, (double) boxH / sourceHeight);
                int w = Math.max(boxW, (int) Math.round(sourceWidth * scale));
                int h = Math.max(boxH, (int) Math.round(sourceHeight * scale));
                yield new Sizing(w, h, boxW, boxH);
            }
        };
    }

    /**
     * The largest whole factor a decoder may subsample a {@code sourceWidth} × {@code sourceHeight} image by while
     * keeping at least twice the scaled size in each axis (so the final resize still has pixels to average): 1 when
     * the image is not reduced at least fourfold.
     */
    int subsampling(int sourceWidth, int sourceHeight) {
        int fx = sourceWidth / (2 * scaledWidth);
        int fy = sourceHeight / (2 * scaledHeight);
        return Math.max(1, Math.min(fx, fy));
    }
}
