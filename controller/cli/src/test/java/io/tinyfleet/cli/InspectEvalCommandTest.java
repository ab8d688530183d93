package io.tinyfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code inspect} and {@code eval} in-process through picocli and checks exit codes, JSON keys, errors. */
class InspectEvalCommandTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int exit;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            var cl = TinyFleet.commandLine();
            cl.setErr(new PrintWriter(err, true));
            exit = cl.execute(args);
        } finally {
            System.setOut(oldOut);
        }
        return new Run(exit, bytes.toString(StandardCharsets.UTF_8), err.toString());
    }

    static Path shared(String name) {
        String p = System.getProperty("tinyfleet.sharedModels");
        Path f = (p != null ? Path.of(p) : Path.of("../../../shared/models")).resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(f), "shared model not found: " + f);
        return f;
    }

    /** Classifier of 2x2 images into 3 classes (score of class c = pixel c). */
    Path tinyModel() {
        float[] w = new float[12];
        for (int c = 0; c < 3; c++) {
            w[c * 3 + c] = 1f;
        }
        OnnxModel m = new GraphBuilder("tiny", 17).input("x", DataType.FLOAT, "N", 1, 2, 2)
                .initializer(Tensors.floats("w", new long[] {4, 3}, w))
                .node("Flatten", List.of("x"), List.of("f"))
                .node("MatMul", List.of("f", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 3).build();
        Path f = dir.resolve("tiny.onnx");
        m.save(f);
        return f;
    }

    /** A t10k IDX pair of 2x2 images whose brightest of the first three pixels is the label. */
    Path tinyIdx() throws IOException {
        int n = 20;
        ByteArrayOutputStream img = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(img);
        d.writeInt(0x803);
        d.writeInt(n);
        d.writeInt(2);
        d.writeInt(2);
        ByteArrayOutputStream lab = new ByteArrayOutputStream();
        DataOutputStream l = new DataOutputStream(lab);
        l.writeInt(0x801);
        l.writeInt(n);
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < 4; o++) {
                d.write(o == i % 3 ? 250 : 10);
            }
            l.write(i % 3);
        }
        Path data = Files.createDirectories(dir.resolve("idx"));
        Files.write(data.resolve("t10k-images-idx3-ubyte"), img.toByteArray());
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), lab.toByteArray());
        return data;
    }

    @Test
    void inspect_printsTheJsonKeysScriptsRead() throws Exception {
        Run r = run("inspect", shared("mnist.onnx").toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        for (String k : List.of("parameters", "fileBytes", "wireBytes", "macs", "opCounts", "inputs", "outputs")) {
            assertTrue(j.has(k), "missing key " + k);
        }
        assertEquals(5998, j.get("parameters").asLong());
        assertEquals(2, j.get("opCounts").get("Conv").asInt());
    }

    @Test
    void inspect_printsAReadableSummary() {
        Run r = run("inspect", tinyModel().toString(), "--layers", "--weights");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("parameters  12"), r.out());
        assertTrue(r.out().contains("MatMul"), r.out());
    }

    @Test
    void inspect_exitsTwoWithOneLine_forAFileThatIsNotOnnx() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.onnx"), "this is not a model");
        Run r = run("inspect", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("tinyfleet inspect: error: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void eval_printsTheJsonKeysScriptsRead_onRandomInputs() throws Exception {
        Run r = run("eval", tinyModel().toString(), "--runs", "5", "--warmup", "1", "--batch", "4", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        for (String k : List.of("accuracy", "latencyMs", "throughputPerSec", "loadMs", "rssBytes")) {
            assertTrue(j.has(k), "missing key " + k);
        }
        for (String k : List.of("p50", "p95", "p99")) {
            assertTrue(j.get("latencyMs").get(k).isNumber(), "latencyMs." + k);
        }
        assertTrue(j.get("accuracy").isNull());
        assertEquals(4, j.get("batch").asInt());
    }

    @Test
    void eval_measuresAccuracy_onAnIdxFolder() throws Exception {
        Run r = run("eval", tinyModel().toString(), "--data", tinyIdx().toString(), "--runs", "3", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = Json.mapper().readTree(r.out());
        assertEquals(1.0, j.get("accuracy").asDouble());
        assertEquals(20, j.get("samples").asInt());
    }

    @Test
    void eval_exitsTwo_whenTheModelInputDoesNotFitTheData() throws IOException {
        Run r = run("eval", shared("ultraface_version-RFB-320.onnx").toString(), "--data", tinyIdx().toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("model input 'input' expects [1,3,240,320] but"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void eval_exitsTwo_namingTheCustomDomain() {
        Run r = run("eval", shared("super_resolution_supres.onnx").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("ai.onnx.contrib"), r.err());
    }

    @Test
    void eval_profile_listsOpTypes() {
        Run r = run("eval", tinyModel().toString(), "--runs", "3", "--warmup", "1", "--profile");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("profile") && r.out().contains("MatMul"), r.out());
    }
}
