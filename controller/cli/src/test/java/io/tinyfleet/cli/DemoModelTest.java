package io.tinyfleet.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.data.EvalShard;
import io.tinyfleet.runtime.model.WireSize;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoModelTest {

    @Test
    void prepare_trainsCompressesAndShipsAShardTheModelPasses(@TempDir Path dir) {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        DemoModel.Prepared p = DemoModel.prepare(42);

        String made = io.tinyfleet.compression.pipeline.Provenance.pipelineText(p.model());
        assertTrue(made.startsWith("prune:") && made.contains(" > quantize:int8"), "provenance says how it was made: " + made);
        assertTrue(p.model().initializers().values().stream().anyMatch(t -> t.getDataType() == 3),
                "int8 weights present");
        assertTrue(WireSize.of(p.model()) < 1_067_470 / 5, "at least 5x smaller on the wire");

        assertNotNull(p.shardFile());
        Path f = dir.resolve("demo.tfshard");
        EvalShard shard = EvalShard.read(writeAll(f, p.shardFile()));
        double acc = Evaluator.accuracy(p.model(), shard.images(), shard.spec().preprocessing(), 1);
        assertTrue(acc >= p.minAccuracy(), "the demo model passes its own floor: " + acc + " >= " + p.minAccuracy());
        assertTrue(p.minAccuracy() > 0.5, "a meaningful floor: " + p.minAccuracy());
    }

    private static Path writeAll(Path f, byte[] b) {
        try {
            return Files.write(f, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
