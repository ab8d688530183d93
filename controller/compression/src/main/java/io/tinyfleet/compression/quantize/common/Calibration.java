package io.tinyfleet.compression.quantize.common;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Activation ranges from a calibration set, by one of three methods:
 * <ul>
 *   <li>{@code minmax}: the observed minimum and maximum;</li>
 *   <li>{@code percentile}: |x| clipped at a percentile of its histogram (outliers saturate);</li>
 *   <li>{@code entropy}: the clipping threshold minimising the KL divergence between the histogram of
 *       |x| (exact zeros left out) and its quantized version (Migacz, "8-bit Inference with TensorRT", GTC 2017).</li>
 * </ul>
 */
public final class Calibration {

    /** Histogram bins over [0, max |x|]. */
    static final int BINS = 2048;
    /** Quantization levels the entropy method compares against. */
    static final int LEVELS = 128;

    private Calibration() {
    }

    /**
     * A calibrated range and the range observed on the calibration set (equal for minmax).
     *
     * @param min         lower end kept
     * @param max         upper end kept
     * @param observedMin smallest value seen
     * @param observedMax largest value seen
     */
    public record Range(float min, float max, float observedMin, float observedMax) {

        /** Share of the observed width that was clipped away, in [0, 1]. */
        public double clippedShare() {
            double seen = (double) observedMax - observedMin;
            return seen > 0 ? Math.max(0, 1 - ((double) max - min) / seen) : 0;
        }
    }

    /**
     * Ranges of {@code tensors} over {@code feeds}.
     *
     * @param method     minmax, percentile or entropy
     * @param percentile for the percentile method, in (0, 100]
     */
    public static Map<String, Range> ranges(OnnxModel model, List<Map<String, OrtRun.Value>> feeds,
                                            List<String> tensors, String method, double percentile) {
        Map<String, float[]> minMax = new LinkedHashMap<>();
        for (String t : tensors) {
            minMax.put(t, new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
        }
        OrtRun.forEach(model, feeds, tensors, OptLevel.BASIC_OPT, row -> row.forEach((name, v) -> {
            float[] mm = minMax.get(name);
            for (float x : v.data()) {
                if (x < mm[0]) {
                    mm[0] = x;
                }
                if (x > mm[1]) {
                    mm[1] = x;
                }
            }
        }));
        Map<String, Range> out = new LinkedHashMap<>();
        if (method.equals("minmax")) {
            minMax.forEach((k, mm) -> out.put(k, finite(mm[0], mm[1], mm)));
            return out;
        }
        Map<String, long[]> hist = new HashMap<>();
        Map<String, Float> absMax = new HashMap<>();
        minMax.forEach((k, mm) -> {
            hist.put(k, new long[BINS]);
            absMax.put(k, Math.max(Math.abs(mm[0]), Math.abs(mm[1])));
        });
        OrtRun.forEach(model, feeds, tensors, OptLevel.BASIC_OPT, row -> row.forEach((name, v) -> {
            long[] h = hist.get(name);
            float am = absMax.get(name);
            if (!(am > 0) || !Float.isFinite(am)) {
                return;
            }
            for (float x : v.data()) {
                if (x == 0f) {
                    continue; // the ReLU zero spike is represented exactly anyway and would dominate the KL search
                }
                int b = (int) (Math.abs(x) / am * BINS);
                h[Math.min(BINS - 1, Math.max(0, b))]++;
            }
        }));
        for (String k : tensors) {
            float[] mm = minMax.get(k);
            float am = absMax.get(k);
            if (!(am > 0) || !Float.isFinite(am)) {
                out.put(k, finite(mm[0], mm[1], mm));
                continue;
            }
            long[] h = hist.get(k);
            int bin = method.equals("percentile") ? percentileBin(h, percentile)
                    : entropyBin(h, mm[0] >= 0 ? 255 : LEVELS);
            float t = (float) ((bin + 1.0) / BINS * am);
            out.put(k, finite(Math.max(mm[0], -t), Math.min(mm[1], t), mm));
        }
        return out;
    }

    private static Range finite(float min, float max, float[] observed) {
        if (!Float.isFinite(min) || !Float.isFinite(max)) {
            return new Range(0f, 0f, 0f, 0f);
        }
        return new Range(min, max, observed[0], observed[1]);
    }

    /** Last bin needed to hold {@code p} percent of the values. */
    static int percentileBin(long[] h, double p) {
        long total = 0;
        for (long c : h) {
            total += c;
        }
        double target = total * p / 100.0;
        long acc = 0;
        for (int i = 0; i < h.length; i++) {
            acc += h[i];
            if (acc >= target) {
                return i;
            }
        }
        return h.length - 1;
    }

    /**
     * Threshold bin minimising KL(P || Q) where Q is P squeezed into {@code levels} levels
     * ({@value #LEVELS} for signed values, 255 for non-negative ones that use the whole uint8 grid).
     */
    static int entropyBin(long[] h, int levels) {
        final int LEVELS = levels;
        int best = h.length - 1;
        double bestKl = Double.POSITIVE_INFINITY;
        for (int i = LEVELS; i <= h.length; i++) {
            double[] p = new double[i];
            for (int j = 0; j < i; j++) {
                p[j] = h[j];
            }
            for (int j = i; j < h.length; j++) {
                p[i - 1] += h[j];
            }
            double[] q = new double[i];
            double per = (double) i / LEVELS;
            for (int l = 0; l < LEVELS; l++) {
                int a = (int) Math.floor(l * per);
                int b = l == LEVELS - 1 ? i : (int) Math.floor((l + 1) * per);
                double sum = 0;
                int nonZero = 0;
                for (int j = a; j < b; j++) {
                    sum += h[j];
                    if (h[j] != 0) {
                        nonZero++;
                    }
                }
                for (int j = a; j < b; j++) {
                    q[j] = h[j] == 0 ? 0 : sum / nonZero;
                }
            }
            double ps = 0;
            double qs = 0;
            for (int j = 0; j < i; j++) {
                ps += p[j];
                qs += q[j];
            }
            if (ps == 0 || qs == 0) {
                continue;
            }
            double kl = 0;
            for (int j = 0; j < i; j++) {
                if (p[j] > 0) {
                    double pj = p[j] / ps;
                    double qj = q[j] / qs;
                    kl += qj > 0 ? pj * Math.log(pj / qj) : pj * Math.log(pj / 1e-12);
                }
            }
            if (kl < bestKl) {
                bestKl = kl;
                best = i - 1;
            }
        }
        return best;
    }
}
