package io.tinyfleet.agent.ota;

import io.tinyfleet.runtime.data.EvalShard;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.model.TinyModels;
import java.util.Random;

/** Models and eval shards for OTA tests. */
final class OtaModels {

    private OtaModels() {
    }

    /**
     * {@link TinyModels#brightestPixel} plus an unused initializer of {@code floats} random values,
     * so the artifact is large (random floats do not compress) and spans many chunks; {@code seed}
     * makes different models.
     */
    static OnnxModel padded(int floats, long seed) {
        OnnxModel base = TinyModels.brightestPixel(1);
        float[] pad = new float[floats];
        Random r = new Random(seed);
        for (int i = 0; i < floats; i++) {
            pad[i] = r.nextFloat();
        }
        return base.withGraph(base.graph().toBuilder()
                .addInitializer(Tensors.floats("pad", new long[] {floats}, pad)).build());
    }

    /**
     * An eval shard (the runtime's format) of {@code n} 2x2 images labelled with their brightest of
     * the first three pixels (distinct values, so no ties); {@code lie} flips every label.
     */
    static EvalShard shard(int n, boolean lie) {
        byte[] px = new byte[n * 4];
        byte[] labels = new byte[n];
        Random r = new Random(3);
        for (int s = 0; s < n; s++) {
            int best = 0;
            int[] v = {1 + r.nextInt(85), 86 + r.nextInt(85), 171 + r.nextInt(85)};
            for (int k = 2; k > 0; k--) { // shuffle which pixel is brightest
                int j = r.nextInt(k + 1);
                int t = v[k];
                v[k] = v[j];
                v[j] = t;
            }
            for (int p = 0; p < 3; p++) {
                px[s * 4 + p] = (byte) v[p];
                if (v[p] > v[best]) {
                    best = p;
                }
            }
            labels[s] = (byte) (lie ? (best + 1) % 3 : best);
        }
        return EvalShard.draw(LabeledImages.of(2, 2, px, labels), "ota-test", Split.TEST, n, 5, Preprocessing.DEFAULT);
    }
}
