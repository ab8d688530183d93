package io.tinyfleet.compression.train;

import io.tinyfleet.runtime.model.OnnxModel;
import java.util.List;
import java.util.Map;

/**
 * A training graph emitted by {@link GradientBuilder}: ordinary ONNX ops computing, for one
 * batch of fixed size, the loss, the logits and the gradient of every trainable initializer.
 * Trainable initializers are graph inputs (fed each step); everything else stays an initializer.
 *
 * @param model        the training graph
 * @param batch        the fixed batch size
 * @param dataInput    name of the data input, shape {@code dataShape}
 * @param dataShape    [batch, ...]
 * @param logits       name of the logits output [batch, classes]
 * @param logitsShape  its shape
 * @param loss         name of the scalar loss output
 * @param lossInputs   extra inputs of the loss ({@link Loss#TARGETS}, {@link Loss#TEACHER})
 * @param gradients    trainable initializer -> name of its gradient output (insertion order)
 * @param paramShapes  trainable initializer -> shape
 * @param runningStats running statistics (BatchNormalization) updated from batch statistics
 * @param frozen       float initializers that are not trained (not wanted or not reaching the loss)
 */
public record TrainingGraph(OnnxModel model, int batch, String dataInput, long[] dataShape, String logits,
                            long[] logitsShape, String loss, List<String> lossInputs, Map<String, String> gradients,
                            Map<String, long[]> paramShapes, List<RunningStat> runningStats, List<String> frozen) {

    /**
     * A running statistic updated by the trainer: {@code r = momentum * r + (1 - momentum) * b},
     * where b is the batch value (variance made unbiased with {@code count / (count - 1)}).
     */
    public record RunningStat(String initializer, String batchValue, boolean variance, float momentum, long count) {
    }
}
