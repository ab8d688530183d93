package io.tinyfleet.runtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtProvider;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.SharedModels;
import io.tinyfleet.runtime.model.TinyModels;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRuntimeTest {

    @Test
    void env_isOneEnvironmentPerProcess() {
        assertSame(Ort.env(), Ort.env());
    }

    @Test
    void open_reportsInputsAndCpuProvider() {
        try (ModelRuntime rt = ModelRuntime.open(TinyModels.brightestPixel("N"), RuntimeOptions.defaults().withThreads(2))) {
            assertEquals(List.of("x"), List.copyOf(rt.inputs().keySet()));
            assertEquals(List.of("CPUExecutionProvider"), rt.providerNames());
            assertTrue(rt.loadMillis() > 0);
        }
    }

    @Test
    void open_refusesCustomDomain_namingDomainAndOp() {
        OnnxModel m = new GraphBuilder("custom", 17).opset("my.ops", 1).input("x", DataType.FLOAT, 1)
                .node(NodeProto.newBuilder().setOpType("Frobnicate").setDomain("my.ops").addInput("x").addOutput("y").build())
                .output("y", DataType.FLOAT, 1).build();
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ModelRuntime.open(m, RuntimeOptions.defaults())).getMessage();
        assertTrue(msg.contains("'my.ops'") && msg.contains("Frobnicate"), msg);
    }

    @Test
    void open_refusesSuperResolutionWithExtensions_namingAiOnnxContrib() {
        OnnxModel m = OnnxModel.load(SharedModels.file("super_resolution_supres.onnx"));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ModelRuntime.open(m, RuntimeOptions.defaults())).getMessage();
        assertTrue(msg.contains("ai.onnx.contrib"), msg);
    }

    @Test
    void open_givesOneLine_forAnUnknownStandardOp() {
        OnnxModel m = new GraphBuilder("bogus", 17).input("x", DataType.FLOAT, 1)
                .node("NoSuchOp", List.of("x"), List.of("y")).output("y", DataType.FLOAT, 1).build();
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ModelRuntime.open(m, RuntimeOptions.defaults())).getMessage();
        assertTrue(msg.contains("NoSuchOp"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void choose_keepsPreferenceOrder_ofAvailableProviders_withCpuLast() {
        assertEquals(List.of(OrtProvider.CUDA, OrtProvider.CPU),
                Providers.choose(List.of("CPU", "TensorRT", "CUDA"), EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA)));
        assertEquals(List.of(OrtProvider.CPU), Providers.choose(List.of("XNNPACK"), EnumSet.of(OrtProvider.CPU)));
        assertEquals(OrtProvider.TENSOR_RT, Providers.parse("TensorrtExecutionProvider"));
        assertThrows(IllegalArgumentException.class, () -> Providers.parse("Quantum"));
    }
}
