package io.tinyfleet.cli;

import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.Progress;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import io.tinyfleet.compression.pipeline.EvaluatorMeasurer;
import io.tinyfleet.compression.pipeline.Metrics;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.data.EvalShard;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;

/**
 * The model the demo ships: a LeNet-300-100 MLP trained for one epoch on Fashion-MNIST, then
 * compressed by a pipeline, with an eval shard so the devices check an accuracy floor themselves.
 * Without the dataset the demo falls back to a small model with fixed random weights and says so.
 */
final class DemoModel {

    /** The pipeline the demo applies. */
    static final String PIPELINE = "prune:sparsity=0.8,finetune=1 > quantize:int8";

    /** What the demo deploys: the model, an optional eval shard file and an optional accuracy floor. */
    record Prepared(OnnxModel model, String name, byte[] shardFile, Double minAccuracy) {
    }

    private DemoModel() {
    }

    static Prepared prepare(long seed) {
        LabeledImages train;
        LabeledImages test;
        try {
            train = LabeledImages.load("fashion-mnist", Split.TRAIN);
            test = LabeledImages.load("fashion-mnist", Split.TEST);
        } catch (IllegalArgumentException e) {
            System.out.println("[model] Fashion-MNIST not found (" + e.getMessage()
                    + "); deploying a small untrained model instead (apt-get install dataset-fashion-mnist)");
            return new Prepared(DemoDeploy.demoModel(), "demo-linear.onnx", null, null);
        }
        ArchSpec spec = ArchSpec.parse("mlp");
        System.out.println("[model] training " + spec + " for 1 epoch on Fashion-MNIST (60,000 images)");
        long t0 = System.nanoTime();
        OnnxModel trained = Trainer.train(Architectures.build(spec, seed),
                Architectures.defaults(spec, 1, seed).build(), train, null, Preprocessing.DEFAULT).trained()
                .withMetadata(Provenance.ARCH_KEY, spec.toString());
        System.out.printf("[model] trained in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        System.out.println("[model] compressing: " + PIPELINE);
        Pipeline pipeline = Pipeline.parse(PIPELINE, TechniqueRegistry.standard());
        TechniqueContext ctx = TechniqueContext.onTrainingSplit(seed, "fashion-mnist", train,
                pipeline.choosesOnValidation(), Preprocessing.DEFAULT, 256, Progress.NONE, FineTuners.standard());
        Pipeline.Result r = pipeline.run(trained, ctx,
                new EvaluatorMeasurer(test, "fashion-mnist", Preprocessing.DEFAULT, 2000, 50), line -> { });
        Metrics before = r.steps().get(0).before();
        Metrics after = r.steps().get(r.steps().size() - 1).after();
        System.out.printf("[model] %-6s accuracy %.4f  file %,9d B  wire %,9d B  latency p50 %.3f ms%n",
                "fp32", before.accuracy(), before.fileBytes(), before.wireBytes(), before.latencyMs());
        System.out.printf("[model] %-6s accuracy %.4f  file %,9d B  wire %,9d B  latency p50 %.3f ms%n",
                "small", after.accuracy(), after.fileBytes(), after.wireBytes(), after.latencyMs());

        EvalShard shard = EvalShard.draw(test, "fashion-mnist", Split.TEST, 20, seed, Preprocessing.DEFAULT);
        double floor = Math.floor(after.accuracy() * 0.9 * 100) / 100;
        System.out.printf("[model] shipping it with a %d-image eval shard; devices refuse it below accuracy %.2f%n",
                shard.images().count(), floor);
        return new Prepared(r.model(), "demo-mlp-compressed.onnx", shard.toBytes(), floor);
    }
}
