package io.tinyfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.runtime.model.OnnxModel;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinyfleet train} end to end on a tiny IDX dataset written to a temp folder. */
class TrainCommandTest {

    @TempDir
    Path dir;

    /** Writes {@code n} 28x28 IDX images of 10 separable classes (a bright band per class) into {@code dir}. */
    static void idx(Path dir, String prefix, int n, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] labels = new byte[n];
        byte[] px = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(10);
            labels[i] = (byte) c;
            for (int p = 0; p < 784; p++) {
                boolean on = (p / 28) / 3 == c;
                px[i * 784 + p] = (byte) (on ? 180 + r.nextInt(60) : r.nextInt(40));
            }
        }
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte")))) {
            o.writeInt(0x803);
            o.writeInt(n);
            o.writeInt(28);
            o.writeInt(28);
            o.write(px);
        }
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            o.writeInt(0x801);
            o.writeInt(n);
            o.write(labels);
        }
    }

    @Test
    void train_writesAModelWithProvenance_andPrintsJsonKeys() throws Exception {
        idx(dir, "train", 512, 1);
        idx(dir, "t10k", 200, 2);
        Path out = dir.resolve("m/mlp.onnx");
        var run = InspectEvalCommandTest.run("train", "--arch", "mlp", "--data", dir.toString(), "--epochs", "4",
                "--seed", "3", "--out", out.toString(), "--width", "0.25", "--json");
        assertEquals(0, run.exit(), run.err());
        JsonNode j = Json.mapper().readTree(run.out());
        assertTrue(j.get("testAccuracy").asDouble() > 0.5, "well above chance (0.1): " + run.out());
        assertEquals(4, j.get("secondsPerEpoch").size());
        assertTrue(j.get("parameters").asLong() > 1000);
        OnnxModel m = OnnxModel.load(out);
        assertEquals("mlp:width=0.25,depth=2", m.metadata().get("tinyfleet.arch"));
        assertEquals("3", m.metadata().get("tinyfleet.train.seed"));
        assertTrue(m.metadata().containsKey("tinyfleet.testAccuracy"));
        assertTrue(m.metadata().containsKey("tinyfleet.train.dataset.sha256"));
    }

    @Test
    void train_badArguments_giveOneClearLine() throws Exception {
        var r = InspectEvalCommandTest.run("train", "--arch", "resnet", "--out", dir.resolve("x.onnx").toString(),
                "--data", dir.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown architecture 'resnet'"), r.err());
        var r2 = InspectEvalCommandTest.run("train", "--arch", "mlp", "--out", dir.resolve("x.txt").toString(),
                "--data", dir.toString());
        assertEquals(2, r2.exit());
        assertTrue(r2.err().contains("--out must name an .onnx file"), r2.err());
        var r3 = InspectEvalCommandTest.run("train", "--arch", "mlp", "--out", dir.resolve("x.onnx").toString(),
                "--data", dir.resolve("missing").toString());
        assertEquals(2, r3.exit());
        assertTrue(r3.err().contains("does not exist"), r3.err());
    }
}
