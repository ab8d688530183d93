package io.tinyfleet.runtime.inspect;

import io.tinyfleet.runtime.model.WireSize;
import java.util.List;
import java.util.Map;

/**
 * What {@link Inspector#inspect} found in a model. Serialises to JSON as it is.
 *
 * @param model         where the model came from
 * @param sha256        SHA-256 of the serialised model
 * @param irVersion     ONNX IR version
 * @param opsets        imported operator sets, domain ({@code ""} = ai.onnx) to version
 * @param producer      producer name and version
 * @param inputs        graph inputs (initializers excluded)
 * @param outputs       graph outputs
 * @param parameters    elements in all initializers, sub-graphs included
 * @param fileBytes     serialised size
 * @param wireBytes     size after zstd ({@link io.tinyfleet.runtime.model.WireSize})
 * @param wireZstdLevel the zstd level of {@code wireBytes}
 * @param wireParts     where the wire bytes go, each part packed alone ({@link WireSize#parts}); null
 *                      unless asked for ({@link Inspector#inspect(io.tinyfleet.runtime.model.OnnxModel, boolean)})
 * @param macs          multiply-accumulates at batch 1 of Conv, ConvTranspose, Gemm and MatMul layers
 *                      whose shapes are known (bias adds and activations not counted)
 * @param macsComplete  whether every such layer's shapes were known (otherwise {@code macs} is a lower bound)
 * @param layers        per Conv/ConvTranspose/Gemm/MatMul node: MACs (null when unknown) and output shape
 * @param opCounts      nodes per op type (sub-graphs included; custom domains as {@code domain.Op}), most first
 * @param weights       per floating-point initializer: size and fraction of exact zeros
 * @param sparsity      exact zeros over all floating-point weight elements
 * @param metadata      {@code metadata_props} (provenance)
 * @param runnable      whether the standard ONNX Runtime can run the model's ops
 * @param refusal       why not, when not runnable
 * @param notes         what could not be inferred
 */
public record Inspection(String model, String sha256, long irVersion, Map<String, Long> opsets, String producer,
                         List<Io> inputs, List<Io> outputs, long parameters, long fileBytes, long wireBytes,
                         int wireZstdLevel, List<WireSize.Part> wireParts, long macs, boolean macsComplete,
                         List<Layer> layers, Map<String, Integer> opCounts, List<Weight> weights, double sparsity,
                         Map<String, String> metadata, boolean runnable, String refusal, List<String> notes) {

    /**
     * A graph input or output.
     *
     * @param name  value name
     * @param type  element type, e.g. FLOAT
     * @param shape dimensions: numbers, or names of symbolic dimensions ({@code "?"} when unnamed)
     */
    public record Io(String name, String type, List<Object> shape) {
    }

    /**
     * One compute layer.
     *
     * @param node        node name
     * @param opType      Conv, ConvTranspose, Gemm or MatMul (or their integer/QLinear forms)
     * @param macs        multiply-accumulates at batch 1, null when a shape is unknown
     * @param outputShape output shape at batch 1 (-1 for unknown dimensions), null when unknown
     * @param weight      the weight's initializer name, when the weight is one
     */
    public record Layer(String node, String opType, Long macs, List<Long> outputShape, String weight) {
    }

    /**
     * One weight tensor.
     *
     * @param name       initializer name
     * @param type       element type
     * @param dims       dimensions
     * @param parameters elements
     * @param zeros      elements exactly zero
     * @param sparsity   zeros / parameters
     */
    public record Weight(String name, String type, List<Long> dims, long parameters, long zeros, double sparsity) {
    }
}
