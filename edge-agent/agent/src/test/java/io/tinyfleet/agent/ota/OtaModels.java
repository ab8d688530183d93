package io.tinyfleet.agent.ota;

import io.tinyfleet.proto.v1.EvalShard;
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

    /** {@code n} 2x2 images labelled with their brightest of the first three pixels; {@code lie} flips labels. */
    static EvalShard shard(int n, boolean lie) {
        EvalShard.Builder b = EvalShard.newBuilder().setInputName("x").addSampleDims(1).addSampleDims(2).addSampleDims(2);
        Random r = new Random(3);
        for (int s = 0; s < n; s++) {
            int best = 0;
            float[] px = new float[4];
            for (int p = 0; p < 4; p++) {
                px[p] = p == 3 ? 0f : r.nextFloat();
                if (p < 3 && px[p] > px[best]) {
                    best = p;
                }
                b.addData(px[p]);
            }
            b.addLabels(lie ? (best + 1) % 3 : best);
        }
        return b.build();
    }
}
