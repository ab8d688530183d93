package io.tinyfleet.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {

    static OnnxModel matmul() {
        return new GraphBuilder("mm", 17)
                .input("x", DataType.FLOAT, "N", 2)
                .initializer(Tensors.floats("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}))
                .node("MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 3)
                .build();
    }

    @Test
    void graphBuilder_producesAModelOnnxRuntimeRuns() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(matmul().toBytes(), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {{1, 1}, {0, 2}});
             OrtSession.Result r = s.run(Map.of("x", x))) {
            float[][] y = (float[][]) r.get(0).getValue();
            assertArrayEquals(new float[] {5, 7, 9}, y[0]);
            assertArrayEquals(new float[] {8, 10, 12}, y[1]);
        }
    }

    @Test
    void saveThenLoad_roundTripsBytesAndHash(@TempDir Path dir) {
        OnnxModel m = matmul().withMetadata("tinyfleet.provenance", "{}");
        Path f = dir.resolve("sub/m.onnx");
        m.save(f);
        OnnxModel back = OnnxModel.load(f);
        assertEquals(m.sha256(), back.sha256());
        assertEquals("{}", back.metadata().get("tinyfleet.provenance"));
        assertEquals(17L, back.defaultOpset());
    }

    @Test
    void load_refusesMissingEmptyGarbageAndTruncatedFiles_namingTheFile(@TempDir Path dir) throws Exception {
        ModelFormatException missing = assertThrows(ModelFormatException.class,
                () -> OnnxModel.load(dir.resolve("nope.onnx")));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());

        Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        assertTrue(assertThrows(ModelFormatException.class, () -> OnnxModel.load(empty))
                .getMessage().contains("empty.onnx"));

        Path text = Files.writeString(dir.resolve("readme.onnx"), "hello, I am not a model");
        assertTrue(assertThrows(ModelFormatException.class, () -> OnnxModel.load(text))
                .getMessage().startsWith("not an ONNX model: " + text));

        byte[] good = Files.readAllBytes(SharedModels.file("mnist.onnx"));
        Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(good, good.length / 2));
        String msg = assertThrows(ModelFormatException.class, () -> OnnxModel.load(cut)).getMessage();
        assertTrue(msg.contains("cut.onnx") && msg.contains("truncated"), msg);
    }

    @Test
    void load_inlinesExternalData_fromTheModelsFolder_andRefusesWhenMissing(@TempDir Path dir) throws Exception {
        float[] w = {1, 2, 3, 4, 5, 6};
        byte[] raw = Tensors.floats("w", new long[] {2, 3}, w).getRawData().toByteArray();
        byte[] padded = new byte[raw.length + 8];
        System.arraycopy(raw, 0, padded, 8, raw.length);
        Files.write(dir.resolve("weights.bin"), padded);
        TensorProto ext = TensorProto.newBuilder().setName("w").setDataType(DataType.FLOAT_VALUE)
                .addDims(2).addDims(3).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(kv("location", "weights.bin")).addExternalData(kv("offset", "8"))
                .addExternalData(kv("length", String.valueOf(raw.length))).build();
        OnnxModel m = new GraphBuilder("ext", 17).input("x", DataType.FLOAT, 1, 2).initializer(ext)
                .node("MatMul", List.of("x", "w"), List.of("y")).output("y", DataType.FLOAT, 1, 3).build();
        Path f = dir.resolve("ext.onnx");
        m.save(f);

        OnnxModel loaded = OnnxModel.load(f);
        assertArrayEquals(w, Tensors.toFloats(loaded.initializers().get("w")));

        Files.delete(dir.resolve("weights.bin"));
        String msg = assertThrows(ModelFormatException.class, () -> OnnxModel.load(f)).getMessage();
        assertTrue(msg.contains("weights.bin") && msg.contains("'w'"), msg);
    }

    @Test
    void tensors_readTypedAndRawData_andRejectMismatchedDims() {
        TensorProto typed = TensorProto.newBuilder().setName("t").setDataType(DataType.FLOAT_VALUE)
                .addDims(3).addFloatData(1).addFloatData(-2).addFloatData(0.5f).build();
        assertArrayEquals(new float[] {1, -2, 0.5f}, Tensors.toFloats(typed));
        assertArrayEquals(new long[] {4, 5}, Tensors.toLongs(Tensors.longs("l", new long[] {2}, new long[] {4, 5})));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensors.floats("bad", new long[] {2, 2}, new float[3]));
        assertTrue(e.getMessage().contains("'bad'"));
        assertThrows(IllegalArgumentException.class, () -> Tensors.toFloats(Tensors.longs("l", new long[] {1}, new long[] {1})));
    }

    @Test
    void sharedModels_loadWithOpsetAndInitializers() {
        OnnxModel mnist = OnnxModel.load(SharedModels.file("mnist.onnx"));
        assertEquals(8L, mnist.defaultOpset());
        assertTrue(mnist.initializers().size() > 0);
        OnnxModel face = OnnxModel.load(SharedModels.file("ultraface_version-RFB-320.onnx"));
        assertEquals(9L, face.defaultOpset());
    }

    private static ai.onnx.proto.OnnxMl.StringStringEntryProto kv(String k, String v) {
        return ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    @Test
    void half_roundTripsExactValues_andRoundsToNearest() {
        for (float f : new float[] {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f}) {
            assertEquals(f, Tensors.halfToFloat(Tensors.floatToHalf(f)), 0f, "value " + f);
        }
        assertEquals(Float.POSITIVE_INFINITY, Tensors.halfToFloat(Tensors.floatToHalf(1e6f)));
        assertEquals(1.0009765625f, Tensors.halfToFloat(Tensors.floatToHalf(1.0009f)), 0f);
        assertTrue(Float.isNaN(Tensors.halfToFloat(Tensors.floatToHalf(Float.NaN))));
    }
}
