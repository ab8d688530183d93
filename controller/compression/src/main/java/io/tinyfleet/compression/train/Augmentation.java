package io.tinyfleet.compression.train;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Label-preserving image augmentation applied to each training batch after preprocessing: a
 * random horizontal flip and a random translation by up to {@code shift} pixels in each
 * direction, the uncovered border filled with the background value (what a zero pixel becomes).
 * These are the standard flips and padded random crops of Krizhevsky et al. ("ImageNet
 * Classification with Deep Convolutional Neural Networks", NIPS 2012) and the translations
 * Simard et al. used on MNIST ("Best Practices for Convolutional Neural Networks Applied to
 * Visual Document Analysis", ICDAR 2003). Hand-written because it is a few lines on the batch
 * buffer the trainer already pins; no JVM image library works on that buffer in place.
 *
 * @param flip  flip each image left-right with probability 1/2
 * @param shift largest translation in pixels along each axis (0 for none)
 */
public record Augmentation(boolean flip, int shift) {

    /** No augmentation. */
    public static final Augmentation NONE = new Augmentation(false, 0);

    public Augmentation {
        if (shift < 0 || shift > 8) {
            throw new IllegalArgumentException("augment shift must be in 0..8 pixels, got " + shift);
        }
    }

    /** True when this changes images. */
    public boolean enabled() {
        return flip || shift > 0;
    }

    /**
     * Parses {@code none}, or a comma list of {@code flip} and {@code shift=N} (for example
     * {@code flip,shift=2}); the message names what is wrong.
     */
    public static Augmentation parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || t.equals("none")) {
            return NONE;
        }
        boolean flip = false;
        int shift = 0;
        for (String part : t.split(",")) {
            String p = part.strip();
            if (p.equals("flip")) {
                flip = true;
            } else if (p.startsWith("shift=")) {
                try {
                    shift = Integer.parseInt(p.substring(6));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("augment: shift must be a whole number of pixels, got '" + p + "'");
                }
            } else {
                throw new IllegalArgumentException("augment: unknown item '" + p + "' (use none, or flip and/or shift=N)");
            }
        }
        return new Augmentation(flip, shift);
    }

    /**
     * Augments {@code count} single-channel {@code rows x cols} images stored one after another
     * in {@code data} (from index 0), in place.
     */
    public void apply(FloatBuffer data, int count, int rows, int cols, float background, SplittableRandom rng) {
        if (!enabled()) {
            return;
        }
        int area = rows * cols;
        float[] src = new float[area];
        for (int img = 0; img < count; img++) {
            int base = img * area;
            boolean mirror = flip && rng.nextBoolean();
            int dy = shift == 0 ? 0 : rng.nextInt(2 * shift + 1) - shift;
            int dx = shift == 0 ? 0 : rng.nextInt(2 * shift + 1) - shift;
            if (!mirror && dx == 0 && dy == 0) {
                continue;
            }
            data.get(base, src, 0, area);
            for (int r = 0; r < rows; r++) {
                int sr = r - dy;
                for (int c = 0; c < cols; c++) {
                    int sc = c - dx;
                    float v = background;
                    if (sr >= 0 && sr < rows && sc >= 0 && sc < cols) {
                        v = src[sr * cols + (mirror ? cols - 1 - sc : sc)];
                    }
                    data.put(base + r * cols + c, v);
                }
            }
        }
    }

    @Override
    public String toString() {
        if (!enabled()) {
            return "none";
        }
        return (flip ? "flip" : "") + (flip && shift > 0 ? "," : "") + (shift > 0 ? "shift=" + shift : "");
    }
}
