package io.tinyfleet.compression.quantize.common;

/**
 * Affine quantization arithmetic as ONNX QuantizeLinear defines it ({@code q = saturate(round(x / s) + zp)},
 * round half to even), after Jacob et al., "Quantization and Training of Neural Networks for Efficient
 * Integer-Arithmetic-Only Inference", CVPR 2018.
 */
public final class QuantMath {

    private QuantMath() {
    }

    /** Scale and zero point of a uint8 asymmetric activation covering [min, max] and 0. */
    public record Affine(float scale, int zeroPoint) {
    }

    /** uint8 asymmetric parameters for an activation range (the range always includes 0). */
    public static Affine uint8(float min, float max) {
        float lo = Math.min(0f, min);
        float hi = Math.max(0f, max);
        if (hi - lo < 1e-8f) {
            return new Affine(1f, 0);
        }
        float scale = (hi - lo) / 255f;
        int zp = (int) Math.rint(-lo / scale);
        return new Affine(scale, Math.max(0, Math.min(255, zp)));
    }

    /** Per-channel symmetric int8 scales ({@code max|w| / 127}) along {@code axis} of {@code dims}. */
    public static float[] int8Scales(float[] w, long[] dims, int axis, int qmax) {
        int channels = (int) dims[axis];
        float[] maxAbs = new float[channels];
        long inner = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / inner) % channels);
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(w[i]));
        }
        float[] s = new float[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = maxAbs[c] > 0 ? maxAbs[c] / qmax : 1f;
        }
        return s;
    }

    /** Channel index of element {@code i} along {@code axis}. */
    public static int channel(long i, long[] dims, int axis) {
        long inner = 1;
        for (int k = axis + 1; k < dims.length; k++) {
            inner *= dims[k];
        }
        return (int) ((i / inner) % dims[axis]);
    }

    /** Symmetric int8 quantization with per-channel scales. */
    public static byte[] quantizeInt8(float[] w, long[] dims, int axis, float[] scales) {
        byte[] q = new byte[w.length];
        long inner = 1;
        for (int k = axis + 1; k < dims.length; k++) {
            inner *= dims[k];
        }
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / inner) % dims[axis]);
            q[i] = (byte) Math.max(-127, Math.min(127, Math.rint(w[i] / scales[c])));
        }
        return q;
    }
}
