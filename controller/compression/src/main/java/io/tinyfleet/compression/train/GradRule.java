package io.tinyfleet.compression.train;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The gradient of one ONNX operator, emitted as ordinary ONNX nodes: the one extension point of
 * the gradient builder. A rule may also rewrite its forward node for training (BatchNormalization
 * uses batch statistics, MaxPool may expose its indices, Dropout becomes active).
 *
 * <p>Rules see static shapes for every value (the training graph has a fixed batch size) through
 * {@link GradContext#shape(String)}. Register a rule in {@link GradRules}.
 */
public interface GradRule {

    /** Whether a gradient flows through input {@code index} of {@code node} (false for shapes, indices, running stats). */
    boolean differentiable(NodeProto node, int index);

    /** Emits the node (or its training-mode replacement) into the training graph's forward part. */
    default void forward(NodeProto node, GradContext c) {
        c.copy(node);
    }

    /**
     * Emits the gradients of the inputs that {@link GradContext#needs(String) need} one, given the
     * gradients of the outputs ({@link GradContext#grad(String)}, null when an output gets none),
     * and hands each to {@link GradContext#addGrad(String, String)}.
     */
    void backward(NodeProto node, GradContext c);
}
