package io.tinyfleet.runtime.data;

import java.nio.FloatBuffer;

/**
 * How 8-bit pixels become model input: {@code value = (pixel * scale - mean) / std}.
 *
 * @param scale multiplies the raw 0..255 pixel ({@code 1/255} for [0,1] input, {@code 1} for raw pixels)
 * @param mean  subtracted after scaling
 * @param std   divides after subtracting the mean; must be positive
 */
public record Preprocessing(float scale, float mean, float std) {

    /** Pixels divided by 255, no centring: values in [0, 1]. */
    public static final Preprocessing DEFAULT = new Preprocessing(1f / 255f, 0f, 1f);

    /** Validates the fields. */
    public Preprocessing {
        if (!(std > 0) || !Float.isFinite(std)) {
            throw new IllegalArgumentException("preprocessing std must be a positive number, got " + std);
        }
        if (!Float.isFinite(scale) || !Float.isFinite(mean)) {
            throw new IllegalArgumentException("preprocessing scale and mean must be finite, got scale "
                    + scale + ", mean " + mean);
        }
    }

    /** The value one pixel becomes. */
    public float apply(int pixel) {
        return (pixel * scale - mean) / std;
    }

    /**
     * Writes images {@code indices[from .. from+count-1]} into {@code out} at its position,
     * {@code count * rows * cols} floats, sample-major then row-major (fits {@code [N,1,H,W]}
     * and {@code [N,H*W]} alike).
     */
    public void fill(LabeledImages d, int[] indices, int from, int count, FloatBuffer out) {
        int size = d.rows() * d.cols();
        if (out.remaining() < count * size) {
            throw new IllegalArgumentException("buffer has room for " + out.remaining() + " floats, "
                    + count + " images need " + count * size);
        }
        float[] lut = new float[256];
        for (int p = 0; p < 256; p++) {
            lut[p] = apply(p);
        }
        float[] row = new float[size];
        for (int k = 0; k < count; k++) {
            int i = indices[from + k];
            for (int o = 0; o < size; o++) {
                row[o] = lut[d.pixel(i, o)];
            }
            out.put(row);
        }
    }
}
