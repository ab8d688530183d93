package io.tinyfleet.compression.arch;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.compression.train.Augmentation;
import io.tinyfleet.compression.train.LrSchedule;
import io.tinyfleet.compression.train.TrainConfig;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Freshly initialised inference models of the built-in architectures, for 28x28 grey images
 * and 10 classes. Every model takes input {@code input} float {@code [N,1,28,28]} (pixels
 * preprocessed as x/255, {@code Preprocessing.DEFAULT}) and returns {@code logits} {@code [N,10]};
 * {@code mlp} flattens inside the graph, so all three take the same input. Weights use He
 * initialisation (He et al., "Delving Deep into Rectifiers", ICCV 2015), seeded.
 *
 * <ul>
 *   <li>{@code mlp}: LeNet-300-100 (LeCun et al. 1998): 784-300-100-10, ReLU.</li>
 *   <li>{@code lenet5}: conv5x5x6 pad 2, maxpool, conv5x5x16, maxpool, fc120, fc84, fc10, ReLU.</li>
 *   <li>{@code mobile}: MobileNet-style (Howard et al. 2017; Sandler et al., MobileNetV2, 2018): a
 *   3x3 stride-2 stem conv with BatchNorm (28 to 14), four depthwise-separable blocks (14x14, then
 *   7x7, then 4x4) (depthwise 3x3 + BN + ReLU,
 *   pointwise 1x1 + BN + ReLU), one inverted residual block (expand 1x1, depthwise 3x3,
 *   project 1x1, skip Add), global average pooling and a fully connected layer; about 101k
 *   parameters.</li>
 * </ul>
 */
public final class Architectures {

    /** Opset of the built models. */
    public static final long OPSET = 17;
    /** Input name of every built model. */
    public static final String INPUT = "input";
    /** Output name of every built model. */
    public static final String OUTPUT = "logits";

    private Architectures() {
    }

    /** Builds a freshly initialised model of {@code spec}, deterministic in {@code seed}. */
    public static OnnxModel build(ArchSpec spec, long seed) {
        Net net = new Net(spec.arch(), new SplittableRandom(seed));
        switch (spec.arch()) {
            case "mlp" -> mlp(net, spec);
            case "lenet5" -> lenet5(net, spec);
            default -> mobile(net, spec);
        }
        return net.b.output(OUTPUT, DataType.FLOAT, "N", 10).build()
                .withMetadata(Provenance.ARCH_KEY, spec.toString());
    }

    /** Number of float parameters in a model's initializers. */
    public static long parameters(OnnxModel model) {
        long n = 0;
        for (var t : model.initializers().values()) {
            if (Tensors.isFloating(t)) {
                n += Tensors.numel(t);
            }
        }
        return n;
    }

    /**
     * Training settings that reach the targets on Fashion-MNIST for each architecture
     * (AdamW with cosine decay; batch 128).
     */
    public static TrainConfig.Builder defaults(ArchSpec spec, int epochs, long seed) {
        TrainConfig.Builder b = TrainConfig.builder().epochs(epochs).seed(seed).batch(128);
        return switch (spec.arch()) {
            case "mlp" -> b.optimizer("adamw", 1e-4f, 0f).schedule(new LrSchedule.Cosine(1e-3f, 1e-5f, 0));
            case "lenet5" -> b.optimizer("adamw", 1e-4f, 0f).schedule(new LrSchedule.Cosine(2e-3f, 1e-5f, 0));
            default -> b.optimizer("adamw", 0.05f, 0f).schedule(new LrSchedule.Cosine(3e-3f, 1e-5f, 100))
                    .augmentation(MOBILE_AUGMENTATION);
        };
    }

    /**
     * Augmentation of the mobile recipe: without it the CNN fits the training set (100 % after 20
     * epochs) and stops at 88.3 % on the test set.
     */
    public static final Augmentation MOBILE_AUGMENTATION = new Augmentation(true, 2);

    /** Default epochs: 20 for every architecture (mobile reaches its target at 20 only with augmentation). */
    public static int defaultEpochs(ArchSpec spec) {
        return 20;
    }

    private static void mlp(Net net, ArchSpec spec) {
        int[] widths = {300, 100, 100, 100};
        String x = net.node("Flatten", List.of(INPUT), GraphBuilder.attr("axis", 1L));
        int in = 784;
        for (int i = 0; i < spec.effectiveDepth(); i++) {
            int out = spec.scale(widths[i]);
            x = net.relu(net.fc(x, in, out, "fc" + (i + 1)));
            in = out;
        }
        net.fcInto(x, in, 10, "fc_out", OUTPUT);
    }

    private static void lenet5(Net net, ArchSpec spec) {
        int c1 = spec.scale(6);
        int c2 = spec.scale(16);
        String x = net.relu(net.conv(INPUT, 1, c1, 5, 1, 2, 1, "conv1", true));
        x = net.maxPool(x);
        x = net.relu(net.conv(x, c1, c2, 5, 1, 0, 1, "conv2", true));
        x = net.maxPool(x);
        x = net.node("Flatten", List.of(x), GraphBuilder.attr("axis", 1L));
        int in = c2 * 25;
        int[] widths = {120, 84};
        for (int i = 0; i < spec.effectiveDepth(); i++) {
            int out = spec.scale(widths[i]);
            x = net.relu(net.fc(x, in, out, "fc" + (i + 1)));
            in = out;
        }
        net.fcInto(x, in, 10, "fc_out", OUTPUT);
    }

    private static void mobile(Net net, ArchSpec spec) {
        int stem = spec.scale(16);
        String x = net.relu(net.bn(net.conv(INPUT, 1, stem, 3, 2, 1, 1, "stem", false), stem, "stem_bn"));
        int[][] blocks = {{32, 1}, {64, 2}, {128, 1}, {128, 2}};
        int in = stem;
        for (int i = 0; i < spec.effectiveDepth(); i++) {
            int out = spec.scale(blocks[i][0]);
            String p = "ds" + (i + 1);
            x = net.relu(net.bn(net.conv(x, in, in, 3, blocks[i][1], 1, in, p + "_dw", false), in, p + "_dw_bn"));
            x = net.relu(net.bn(net.conv(x, in, out, 1, 1, 0, 1, p + "_pw", false), out, p + "_pw_bn"));
            in = out;
        }
        int hidden = in * 2;
        String skip = x;
        String y = net.relu(net.bn(net.conv(x, in, hidden, 1, 1, 0, 1, "ir_expand", false), hidden, "ir_expand_bn"));
        y = net.relu(net.bn(net.conv(y, hidden, hidden, 3, 1, 1, hidden, "ir_dw", false), hidden, "ir_dw_bn"));
        y = net.bn(net.conv(y, hidden, in, 1, 1, 0, 1, "ir_project", false), in, "ir_project_bn");
        x = net.node("Add", List.of(skip, y));
        x = net.node("GlobalAveragePool", List.of(x));
        x = net.node("Flatten", List.of(x), GraphBuilder.attr("axis", 1L));
        net.fcInto(x, in, 10, "fc_out", OUTPUT);
    }

    /** Small helper that names values and draws initial weights. */
    private static final class Net {
        final GraphBuilder b;
        final SplittableRandom rng;
        int counter;

        Net(String name, SplittableRandom rng) {
            this.b = new GraphBuilder(name, OPSET).input(INPUT, DataType.FLOAT, "N", 1, 28, 28);
            this.rng = rng;
        }

        String node(String op, List<String> inputs, ai.onnx.proto.OnnxMl.AttributeProto... attrs) {
            String out = op.toLowerCase() + "_" + (counter++);
            b.node(op, inputs, List.of(out), attrs);
            return out;
        }

        float[] he(int n, int fanIn) {
            float[] w = new float[n];
            double bound = Math.sqrt(6.0 / fanIn);
            for (int i = 0; i < n; i++) {
                w[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            return w;
        }

        String relu(String x) {
            return node("Relu", List.of(x));
        }

        String fc(String x, int in, int out, String name) {
            String y = name + "_out";
            fcInto(x, in, out, name, y);
            return y;
        }

        void fcInto(String x, int in, int out, String name, String y) {
            b.initializer(Tensors.floats(name + ".weight", new long[] {out, in}, he(out * in, in)));
            b.initializer(Tensors.floats(name + ".bias", new long[] {out}, new float[out]));
            b.node(name, "Gemm", List.of(x, name + ".weight", name + ".bias"), List.of(y), GraphBuilder.attr("transB", 1L));
        }

        String conv(String x, int in, int out, int k, int stride, int pad, int groups, String name, boolean bias) {
            int fanIn = in / groups * k * k;
            b.initializer(Tensors.floats(name + ".weight", new long[] {out, in / groups, k, k},
                    he(out * (in / groups) * k * k, fanIn)));
            List<String> inputs = new ArrayList<>(List.of(x, name + ".weight"));
            if (bias) {
                b.initializer(Tensors.floats(name + ".bias", new long[] {out}, new float[out]));
                inputs.add(name + ".bias");
            }
            String y = name + "_out";
            b.node(name, "Conv", inputs, List.of(y), GraphBuilder.ints("kernel_shape", k, k),
                    GraphBuilder.ints("strides", stride, stride), GraphBuilder.ints("pads", pad, pad, pad, pad),
                    GraphBuilder.attr("group", (long) groups));
            return y;
        }

        String bn(String x, int c, String name) {
            float[] ones = new float[c];
            java.util.Arrays.fill(ones, 1f);
            b.initializer(Tensors.floats(name + ".weight", new long[] {c}, ones));
            b.initializer(Tensors.floats(name + ".bias", new long[] {c}, new float[c]));
            b.initializer(Tensors.floats(name + ".running_mean", new long[] {c}, new float[c]));
            b.initializer(Tensors.floats(name + ".running_var", new long[] {c}, ones.clone()));
            String y = name + "_out";
            b.node(name, "BatchNormalization", List.of(x, name + ".weight", name + ".bias", name + ".running_mean",
                    name + ".running_var"), List.of(y), GraphBuilder.attr("epsilon", 1e-5f), GraphBuilder.attr("momentum", 0.9f));
            return y;
        }

        String maxPool(String x) {
            return node("MaxPool", List.of(x), GraphBuilder.ints("kernel_shape", 2, 2), GraphBuilder.ints("strides", 2, 2));
        }
    }
}
