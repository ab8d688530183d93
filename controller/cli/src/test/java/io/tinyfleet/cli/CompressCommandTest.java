package io.tinyfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code compress} in-process: exit codes, JSON keys, provenance in the written model, one-line errors. */
class CompressCommandTest {

    @TempDir
    Path dir;

    Path model() {
        Random r = new Random(1);
        float[] w = new float[16 * 32];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        Path f = dir.resolve("m.onnx");
        new GraphBuilder("m", 17).input("x", DataType.FLOAT, "N", 16)
                .initializer(Tensors.floats("w", new long[] {16, 32}, w))
                .node("mm", "MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 32).build().save(f);
        return f;
    }

    @Test
    void compress_printsBeforeAfterAndSteps_asJson() throws Exception {
        Path out = dir.resolve("out.onnx");
        var r = InspectEvalCommandTest.run("compress", model().toString(), "--pipeline", "prune:sparsity=0.5 > cluster:k=4",
                "--out", out.toString(), "--runs", "3", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        for (String k : List.of("accuracy", "fileBytes", "wireBytes", "parameters", "macs", "latencyMs")) {
            assertTrue(j.path("before").has(k) && j.path("after").has(k), k);
        }
        assertEquals(2, j.path("steps").size());
        assertTrue(j.path("after").path("wireBytes").asLong() < j.path("before").path("wireBytes").asLong());
        OnnxModel written = OnnxModel.load(out);
        assertEquals(j.path("id").asText(), written.metadata().get("tinyfleet.id"));
        assertTrue(written.metadata().get("tinyfleet.provenance").contains("prune:sparsity=0.5"));
        assertTrue(Files.size(out) > 0);
    }

    @Test
    void compress_keepsTheCompletedSteps_whenALaterStepRefusesTheirOutput() {
        // clustering turns the only float weight into a 4-entry codebook and indices, leaving fp16 nothing to convert
        Path out = dir.resolve("o.onnx");
        var r = InspectEvalCommandTest.run("compress", model().toString(), "--pipeline",
                "cluster:k=4 > quantize:fp16,min-elements=16", "--out", out.toString(), "--no-measure");
        assertEquals(2, r.exit(), r.err());
        Path partial = dir.resolve("o.partial.onnx");
        assertTrue(r.err().contains("pipeline step 2 'quantize:fp16,min-elements=16' failed")
                && r.err().contains("m.onnx after step 1") && r.err().contains("step 1 is kept in " + partial), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(Files.notExists(out));
        OnnxModel kept = OnnxModel.load(partial);
        String provenance = kept.metadata().get("tinyfleet.provenance");
        assertTrue(provenance.contains("cluster:k=4") && !provenance.contains("fp16"), provenance);
        assertTrue(kept.initializers().values().stream().noneMatch(t -> t.getDataType() == DataType.FLOAT_VALUE
                && Tensors.numel(t) >= 16), "the kept model is the clustered one");
    }

    @Test
    void compress_failsWithOneLineNamingTheField_whenConfigIsBad() {
        var r = InspectEvalCommandTest.run("compress", model().toString(), "--pipeline", "cluster:k=1",
                "--out", dir.resolve("o.onnx").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("tinyfleet compress: error: ") && r.err().contains("'k'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void compress_holdsValidationImagesOutOfTraining_onlyWhenAStepChoosesByAccuracy() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        TrainCommandTest.idx(data, "train", 200, 1);
        TrainCommandTest.idx(data, "t10k", 50, 2);
        Random r = new Random(2);
        float[] w = new float[784 * 10];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.05f;
        }
        Path m = dir.resolve("linear.onnx");
        new GraphBuilder("linear", 17).input("x", DataType.FLOAT, "N", 1, 28, 28)
                .initializer(Tensors.floats("w", new long[] {784, 10}, w))
                .node("flat", "Flatten", List.of("x"), List.of("f"))
                .node("mm", "MatMul", List.of("f", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 10).build().save(m);
        String mixed = progressOf("compress", m.toString(), "--data", data.toString(), "--pipeline",
                "quantize:mixed,budget=100,eval=10,samples=16", "--out", dir.resolve("mixed.onnx").toString(),
                "--runs", "3");
        assertTrue(mixed.contains("holding the last 20 training images out of fine-tuning and calibration"), mixed);
        String plain = progressOf("compress", m.toString(), "--data", data.toString(), "--pipeline",
                "quantize:int8,samples=16", "--out", dir.resolve("int8.onnx").toString(), "--runs", "3");
        assertTrue(plain.contains("quantize:int8") && !plain.contains("holding"), plain);
    }

    /** Runs the command, asserts it succeeded, and returns what it wrote to System.err (its progress lines). */
    private static String progressOf(String... args) {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
            var r = InspectEvalCommandTest.run(args);
            assertEquals(0, r.exit(), r.err());
        } finally {
            System.setErr(old);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
