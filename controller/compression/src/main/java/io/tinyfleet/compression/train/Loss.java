package io.tinyfleet.compression.train;

import java.util.List;

/**
 * A training loss on the logits, emitted as ONNX nodes together with its gradient. The
 * loss is averaged over the batch. Targets are fed as the input {@link #TARGETS} ([B,K] floats:
 * one-hot labels, or regression targets for MSE); distillation also feeds the teacher's softened
 * probabilities as {@link #TEACHER}.
 */
public sealed interface Loss {

    /** Training-graph input holding the targets [B,K]. */
    String TARGETS = "tf_targets";
    /** Training-graph input holding the teacher's probabilities at temperature T [B,K]. */
    String TEACHER = "tf_teacher_probs";

    /** Extra graph inputs this loss needs besides the logits. */
    List<String> inputs();

    /**
     * Emits the loss; returns {lossValue (scalar), gradient of the logits}.
     */
    String[] emit(GradContext c, String logits, long[] shape);

    /** Softmax cross-entropy with one-hot targets: gradient (softmax(z) - y) / B. */
    record SoftmaxCrossEntropy() implements Loss {
        public List<String> inputs() {
            return List.of(TARGETS);
        }

        public String[] emit(GradContext c, String z, long[] s) {
            float invB = 1f / s[0];
            String logp = c.op("LogSoftmax", List.of(z), GradRules.attr("axis", 1));
            String loss = c.scale(c.op("ReduceSum", List.of(c.op("Mul", List.of(logp, TARGETS))),
                    GradRules.attr("keepdims", 0)), -invB);
            String grad = c.scale(c.op("Sub", List.of(c.op("Exp", List.of(logp)), TARGETS)), invB);
            return new String[] {loss, grad};
        }
    }

    /**
     * Knowledge distillation (Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural
     * Network", 2015): {@code alpha * T^2 * KL(p_teacher(T) || p_student(T)) + (1 - alpha) * CE}.
     * The T^2 factor keeps the soft-target gradient's scale independent of T.
     */
    record Distillation(float temperature, float alpha) implements Loss {
        public Distillation {
            if (!(temperature > 0)) {
                throw new IllegalArgumentException("distillation temperature must be > 0, got " + temperature);
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("distillation alpha must be in [0,1], got " + alpha);
            }
        }

        public List<String> inputs() {
            return List.of(TARGETS, TEACHER);
        }

        public String[] emit(GradContext c, String z, long[] s) {
            float invB = 1f / s[0];
            float t = temperature;
            String logq = c.op("LogSoftmax", List.of(c.scale(z, 1f / t)), GradRules.attr("axis", 1));
            String logpT = c.op("Log", List.of(c.op("Max", List.of(TEACHER, c.scalar(1e-30f)))));
            String kl = c.op("ReduceSum", List.of(c.op("Mul", List.of(TEACHER, c.op("Sub", List.of(logpT, logq))))),
                    GradRules.attr("keepdims", 0));
            String logp = c.op("LogSoftmax", List.of(z), GradRules.attr("axis", 1));
            String ce = c.op("ReduceSum", List.of(c.op("Mul", List.of(logp, TARGETS))), GradRules.attr("keepdims", 0));
            String loss = c.op("Add", List.of(c.scale(kl, alpha * t * t * invB), c.scale(ce, -(1 - alpha) * invB)));
            String gSoft = c.scale(c.op("Sub", List.of(c.op("Exp", List.of(logq)), TEACHER)), alpha * t * invB);
            String gHard = c.scale(c.op("Sub", List.of(c.op("Exp", List.of(logp)), TARGETS)), (1 - alpha) * invB);
            return new String[] {loss, c.op("Add", List.of(gSoft, gHard))};
        }
    }

    /** Mean squared error over all elements: gradient 2 (z - t) / numel. */
    record MeanSquaredError() implements Loss {
        public List<String> inputs() {
            return List.of(TARGETS);
        }

        public String[] emit(GradContext c, String z, long[] s) {
            float inv = 1f / GradContext.numel(s);
            String d = c.op("Sub", List.of(z, TARGETS));
            String loss = c.scale(c.op("ReduceSum", List.of(c.op("Mul", List.of(d, d))), GradRules.attr("keepdims", 0)), inv);
            return new String[] {loss, c.scale(d, 2 * inv)};
        }
    }
}
