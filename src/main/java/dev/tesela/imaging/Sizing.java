package dev.tesela.imaging;

/**
 * How an engine sizes a source: take the region {@code cropX, cropY, cropWidth × cropHeight} of it (the whole source
 * unless {@link #cropsFirst()}), scale that to {@code scaledWidth} × {@code scaledHeight}, then crop the centre to
 * {@code width} × {@code height} (equal sizes when nothing is cropped). All in stored (not yet oriented) pixels.
 *
 * <p>Why a region: a COVER box scales the source until its SHORT side fills the box, so a 60000×1 source into
 * 320×320 would become a 19,200,000×320 intermediate (6 gigapixels, tens of GB) before the crop. When that one-step
 * intermediate would exceed {@link #FAST_PATH_MAX_INTERMEDIATE} pixels, the centred region of the source with the
 * box's aspect ratio is cut out first and only that is scaled: every image on the way is then at most as large as
 * the source or the box. Normal photos (a 4:3 source makes a 427×320 intermediate) keep the one-step path, which
 * lets libvips shrink on load.
 */
record Sizing(
        int cropX,
        int cropY,
        int cropWidth,
        int cropHeight,
        boolean cropsFirst,
        int scaledWidth,
        int scaledHeight,
        int width,
        int height) {

    /**
     * The largest one-step COVER intermediate, in pixels, before the region of the source is cut out first instead
     * (2048 × 2048: 16 MiB as RGBA). Sources up to about 40:1 keep the one-step path into a 320×320 box.
     */
    static final long FAST_PATH_MAX_INTERMEDIATE = 2048L * 2048L;

    /**
     * The sizing of a {@code sourceWidth} × {@code sourceHeight} stored image for {@code spec}. {@code swapAxes}: the
     * image will be rotated by a quarter turn afterwards, so the box of the spec (which is in upright pixels) is
     * swapped. Rounding matches libvips's for whole-number ratios (4000×3000 within 500 wide = 500×375).
     */
    static Sizing of(RenderSpec spec, int sourceWidth, int sourceHeight, boolean swapAxes) {
        int boxW = swapAxes ? spec.height() : spec.width();
        int boxH = swapAxes ? spec.width() : spec.height();
        return switch (spec.fit()) {
            case NONE -> whole(sourceWidth, sourceHeight, sourceWidth, sourceHeight, sourceWidth, sourceHeight);
            case WITHIN -> {
                double sx = boxW > 0 ? (double) boxW / sourceWidth : Double.POSITIVE_INFINITY;
                double sy = boxH > 0 ? (double) boxH / sourceHeight : Double.POSITIVE_INFINITY;
                double scale = Math.min(sx, sy);
                if (scale >= 1) {
                    yield whole(sourceWidth, sourceHeight, sourceWidth, sourceHeight, sourceWidth, sourceHeight);
                }
                int w = Math.max(1, (int) Math.round(sourceWidth * scale));
                int h = Math.max(1, (int) Math.round(sourceHeight * scale));
                yield whole(sourceWidth, sourceHeight, w, h, w, h);
            }
            case COVER -> {
                double scale = Math.max((double) boxW / sourceWidth, (double) boxH / sourceHeight);
                // In double: the one-step size of a 60000×1 source overflows nothing here, and is never allocated.
                double oneStepW = Math.max(boxW, Math.round(sourceWidth * scale));
                double oneStepH = Math.max(boxH, Math.round(sourceHeight * scale));
                if (oneStepW * oneStepH <= FAST_PATH_MAX_INTERMEDIATE) {
                    yield whole(sourceWidth, sourceHeight, (int) oneStepW, (int) oneStepH, boxW, boxH);
                }
                yield centredRegion(sourceWidth, sourceHeight, boxW, boxH);
            }
        };
    }

    private static Sizing whole(
            int sourceWidth, int sourceHeight, int scaledWidth, int scaledHeight, int width, int height) {
        return new Sizing(0, 0, sourceWidth, sourceHeight, false, scaledWidth, scaledHeight, width, height);
    }

    /** The centred region of the source with the box's aspect ratio (at least 1 pixel each way), scaled to the box. */
    private static Sizing centredRegion(int sourceWidth, int sourceHeight, int boxW, int boxH) {
        int cropW;
        int cropH;
        if ((long) sourceWidth * boxH > (long) sourceHeight * boxW) { // wider than the box: keep the full height
            cropH = sourceHeight;
            cropW = (int) Math.clamp(Math.round((double) sourceHeight * boxW / boxH), 1, sourceWidth);
        } else {
            cropW = sourceWidth;
            cropH = (int) Math.clamp(Math.round((double) sourceWidth * boxH / boxW), 1, sourceHeight);
        }
        return new Sizing(
                (sourceWidth - cropW) / 2, (sourceHeight - cropH) / 2, cropW, cropH, true, boxW, boxH, boxW, boxH);
    }

    /**
     * The largest image, in pixels, that making this output holds at once: the decoded region (the whole source
     * unless {@code cropsFirst}; counted at full size even where an engine can shrink on load), the scaled
     * intermediate, or the output. One frame; frames of an animation are made one after another.
     */
    long peakPixels() {
        return Math.max(
                (long) cropWidth * cropHeight, Math.max((long) scaledWidth * scaledHeight, (long) width * height));
    }

    /**
     * The largest whole factor a decoder may subsample the region by while keeping at least twice the scaled size in
     * each axis (so the final resize still has pixels to average): 1 when it is not reduced at least fourfold.
     */
    int subsampling() {
        int fx = cropWidth / (2 * scaledWidth);
        int fy = cropHeight / (2 * scaledHeight);
        return Math.max(1, Math.min(fx, fy));
    }
}
