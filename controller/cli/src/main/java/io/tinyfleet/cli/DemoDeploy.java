package io.tinyfleet.cli;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.agent.ota.ControllerKeyPin;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.artifact.ArtifactStore;
import io.tinyfleet.server.artifact.ModelRecord;
import io.tinyfleet.server.deploy.ControllerKeys;
import io.tinyfleet.server.deploy.DeployRequest;
import io.tinyfleet.server.deploy.DeploymentService;
import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import io.tinyfleet.server.rollout.RolloutEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The deploy step of {@code tinyfleet demo}: pins the demo controller's key in each agent's home
 * (what {@code tinyfleet agent --controller-key} does), then signs and sends a small model to the
 * agents in two waves (a canary, then the rest) and prints each device's status until ACTIVE.
 */
final class DemoDeploy {

    private DemoDeploy() {
    }

    /** Pins the controller's public key for an agent home (before the agent starts). */
    static void pinKey(ControllerServer controller, Path agentHome) throws IOException {
        ControllerKeyPin.pin(agentHome, controller.context().getBean(ControllerKeys.class).publicKeyFile());
    }

    /** A small MLP-like classifier 784 → 10 with fixed random weights, built with GraphBuilder. */
    static OnnxModel demoModel() {
        float[] w = new float[784 * 10];
        Random r = new Random(7);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.05);
        }
        return new GraphBuilder("demo-linear", 17)
                .input("x", DataType.FLOAT, "batch", 1, 28, 28)
                .initializer(Tensors.floats("w", new long[] {784, 10}, w))
                .node("flat", "Flatten", List.of("x"), List.of("f"))
                .node("mm", "MatMul", List.of("f", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 10)
                .build();
    }

    /** Deploys the demo model to {@code devices} and prints statuses until every one is final. */
    static void run(ControllerServer controller, List<String> devices, Duration timeout) throws InterruptedException {
        DemoModel.Prepared model = DemoModel.prepare(42);
        ArtifactStore store = controller.context().getBean(ArtifactStore.class);
        ModelRecord m = store.store(model.model().toBytes(), model.name(), model.shardFile(), "demo");
        System.out.printf("[deploy] model %s (%,d bytes; %,d on the wire%s) -> %s in waves 1,100%%%n",
                m.id().substring(0, 12), m.modelBytes(), m.artifactBytes(), DeployCommand.withShard(m.evalSamples()),
                devices);
        Rollout r = controller.context().getBean(DeploymentService.class)
                .deploy(new DeployRequest(m.id(), devices, "1,100%", 1000.0, model.minAccuracy(), null, null, null, 10));
        RolloutEngine engine = controller.context().getBean(RolloutEngine.class);
        Map<String, String> last = new HashMap<>();
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<DeviceDeployment> ds = engine.repository().devices(r.id());
            for (DeviceDeployment d : ds) {
                String line = d.state() + ("DOWNLOADING".equals(d.state()) ? " " + d.progressPct() + "%" : "")
                        + (d.code().isEmpty() ? "" : " " + d.code() + ": " + d.detail());
                if (!line.equals(last.put(d.deviceId(), line))) {
                    System.out.printf("[deploy] %-16s %s%n", d.deviceId(), line);
                }
            }
            String state = engine.repository().find(r.id()).orElseThrow().state().name();
            if (!"RUNNING".equals(state)) {
                System.out.println("[deploy] rollout " + r.id() + " " + state + "; try: ./tinyfleet rollouts --controller "
                        + controller.httpUrl());
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("demo deployment " + r.id() + " not finished within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }
}
