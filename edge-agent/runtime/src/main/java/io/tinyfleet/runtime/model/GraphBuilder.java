package io.tinyfleet.runtime.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;

/**
 * A small fluent builder for ONNX graphs, used by tests, by model architectures and by
 * compression passes that emit new nodes.
 *
 * <pre>{@code
 * OnnxModel m = new GraphBuilder("mlp", 17)
 *     .input("x", TensorProto.DataType.FLOAT, "N", 4)
 *     .initializer(Tensors.floats("w", new long[]{4, 2}, w))
 *     .node("MatMul", List.of("x", "w"), List.of("y"))
 *     .output("y", TensorProto.DataType.FLOAT, "N", 2)
 *     .build();
 * }</pre>
 *
 * A dimension given as a {@link String} is symbolic ({@code dim_param}); a {@link Number} is fixed.
 */
public final class GraphBuilder {

    /** IR version used for opsets up to 20 (IR 8 covers opset 17-18; IR 10 is needed for 21). */
    public static int irVersionFor(long opset) {
        if (opset >= 21) {
            return 10;
        }
        if (opset >= 19) {
            return 9;
        }
        if (opset >= 15) {
            return 8;
        }
        return 7;
    }

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final ModelProto.Builder model = ModelProto.newBuilder();
    private int nodeCounter;

    /** A graph named {@code name} importing the default ONNX opset {@code opset}. */
    public GraphBuilder(String name, long opset) {
        graph.setName(name);
        model.setIrVersion(irVersionFor(opset))
                .setProducerName("tinyfleet")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
    }

    /** Adds an import of another operator domain (e.g. {@code com.microsoft}). */
    public GraphBuilder opset(String domain, long version) {
        model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version));
        return this;
    }

    /** A graph input; dims are Numbers (fixed) or Strings (symbolic). */
    public GraphBuilder input(String name, TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return this;
    }

    /** A graph output; dims are Numbers (fixed) or Strings (symbolic). */
    public GraphBuilder output(String name, TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
        return this;
    }

    /** An initializer (a constant weight). */
    public GraphBuilder initializer(TensorProto tensor) {
        graph.addInitializer(tensor);
        return this;
    }

    /** A node in the default domain with an automatic name. */
    public GraphBuilder node(String opType, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        return node(opType + "_" + nodeCounter, opType, inputs, outputs, attrs);
    }

    /** A named node in the default domain. */
    public GraphBuilder node(String name, String opType, List<String> inputs, List<String> outputs,
                             AttributeProto... attrs) {
        nodeCounter++;
        graph.addNode(NodeProto.newBuilder().setName(name).setOpType(opType)
                .addAllInput(inputs).addAllOutput(outputs).addAllAttribute(List.of(attrs)));
        return this;
    }

    /** Adds an already built node. */
    public GraphBuilder node(NodeProto node) {
        nodeCounter++;
        graph.addNode(node);
        return this;
    }

    /** The model. */
    public OnnxModel build() {
        return OnnxModel.of(model.setGraph(graph).build(), "<built: " + graph.getName() + ">");
    }

    /** A tensor value info with the given element type and dims (Number or String each). */
    public static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) {
                db.setDimValue(n.longValue());
            } else {
                db.setDimParam(String.valueOf(d));
            }
            shape.addDim(db);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    /** An INT attribute. */
    public static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** A FLOAT attribute. */
    public static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** A STRING attribute. */
    public static AttributeProto attr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    /** An INTS attribute. */
    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /** A TENSOR attribute (for Constant nodes). */
    public static AttributeProto tensorAttr(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value).build();
    }
}
