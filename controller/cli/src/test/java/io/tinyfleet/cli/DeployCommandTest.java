package io.tinyfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy and rollouts as scripts use them, against a real controller and a real agent. */
class DeployCommandTest {

    @Test
    void deploy_wait_json_reportsEachDeviceActive_andRolloutsListsIt(@TempDir Path home) throws Exception {
        try (ControllerServer c = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("c"))
                .withProperties(Map.of("tinyfleet.ota.tick-interval", "100ms")))) {
            Path agentHome = home.resolve("a");
            DemoDeploy.pinKey(c, agentHome);
            try (Agent a = Agent.start(AgentConfig.of(Map.of(AgentConfig.BROKER, c.brokerUrl(), AgentConfig.ID,
                    "cli-ota", AgentConfig.HOME, agentHome.toString()), "test"))) {
                assertTrue(a.awaitConnected(Duration.ofSeconds(30)));
                Path model = home.resolve("demo.onnx");
                DemoDeploy.demoModel().save(model);

                FleetVerbsTest.Run r = FleetVerbsTest.run("deploy", model.toString(), "--to", "cli-ota",
                        "--controller", c.httpUrl(), "--waves", "1,100%", "--max-p95-ms", "1000", "--wait", "--json");
                assertEquals(0, r.exit(), r.out() + r.err());
                JsonNode j = Json.mapper().readTree(r.out());
                assertTrue(j.path("ok").asBoolean(), r.out());
                assertEquals("ACTIVE", j.path("devices").get(0).path("state").asText());
                assertEquals("cli-ota", j.path("devices").get(0).path("device").asText());
                assertEquals(DemoDeploy.demoModel().sha256(), j.path("devices").get(0).path("activeModel").asText());

                FleetVerbsTest.Run list = FleetVerbsTest.run("rollouts", "--controller", c.httpUrl());
                assertEquals(0, list.exit(), list.err());
                assertTrue(list.out().contains(j.path("deployment").asText()) && list.out().contains("FINISHED"), list.out());

                FleetVerbsTest.Run resume = FleetVerbsTest.run("rollouts", "--controller", c.httpUrl(), "--resume",
                        j.path("deployment").asText());
                assertEquals(2, resume.exit());
                assertTrue(resume.err().contains("ROLLOUT_STATE"), resume.err());
            }
        }
    }

    @Test
    void deploy_ofAnUnknownModel_failsWithOneLineAndExit2(@TempDir Path home) {
        try (ControllerServer c = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("c")))) {
            FleetVerbsTest.Run r = FleetVerbsTest.run("deploy", "no-such-model", "--to", "x", "--controller", c.httpUrl());
            assertEquals(2, r.exit(), r.out() + r.err());
            assertTrue(r.err().startsWith("tinyfleet deploy: error: ") && r.err().contains("MODEL_NOT_FOUND"), r.err());
            FleetVerbsTest.Run bad = FleetVerbsTest.run("deploy", "missing.onnx", "--to", "x", "--controller", c.httpUrl());
            assertEquals(2, bad.exit());
            assertTrue(bad.err().contains("missing.onnx does not exist"), bad.err());
        }
    }

    /** Scores class c as pixel c of a 2x2 grey image: x [N,1,2,2] -> Flatten -> MatMul(4x3 selection). */
    private static io.tinyfleet.runtime.model.OnnxModel brightest() {
        float[] w = new float[12];
        for (int c = 0; c < 3; c++) {
            w[c * 3 + c] = 1f;
        }
        return new io.tinyfleet.runtime.model.GraphBuilder("brightest", 17)
                .input("x", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, "N", 1, 2, 2)
                .initializer(io.tinyfleet.runtime.model.Tensors.floats("w", new long[] {4, 3}, w))
                .node("flat", "Flatten", java.util.List.of("x"), java.util.List.of("f"))
                .node("score", "MatMul", java.util.List.of("f", "w"), java.util.List.of("y"))
                .output("y", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, "N", 3)
                .build();
    }

    /** 20 images whose brightest pixel is their class for the first 10 and not for the rest: accuracy 0.5. */
    private static io.tinyfleet.runtime.data.EvalShard halfRightShard() {
        byte[] px = new byte[20 * 4];
        byte[] labels = new byte[20];
        for (int s = 0; s < 20; s++) {
            int bright = s % 3;
            px[s * 4 + bright] = (byte) 200;
            px[s * 4 + (bright + 1) % 3] = (byte) 50;
            labels[s] = (byte) (s < 10 ? bright : (bright + 1) % 3);
        }
        return io.tinyfleet.runtime.data.EvalShard.draw(io.tinyfleet.runtime.data.LabeledImages.of(2, 2, px, labels),
                "test", io.tinyfleet.runtime.data.Split.TEST, 20, 1, io.tinyfleet.runtime.data.Preprocessing.DEFAULT);
    }

    @Test
    void deploy_withEvalShard_rollsBackAboveTheModelsAccuracy_andGoesActiveBelowIt(@TempDir Path home) throws Exception {
        try (ControllerServer c = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("c"))
                .withProperties(Map.of("tinyfleet.ota.tick-interval", "100ms")))) {
            Path agentHome = home.resolve("a");
            DemoDeploy.pinKey(c, agentHome);
            try (Agent a = Agent.start(AgentConfig.of(Map.of(AgentConfig.BROKER, c.brokerUrl(), AgentConfig.ID,
                    "cli-acc", AgentConfig.HOME, agentHome.toString()), "test"))) {
                assertTrue(a.awaitConnected(Duration.ofSeconds(30)));
                Path model = home.resolve("brightest.onnx");
                brightest().save(model);
                Path shard = home.resolve("half.tfshard");
                halfRightShard().write(shard);

                FleetVerbsTest.Run high = FleetVerbsTest.run("deploy", model.toString(), "--eval-shard", shard.toString(),
                        "--to", "cli-acc", "--controller", c.httpUrl(), "--min-accuracy", "0.9", "--wait", "--json");
                assertEquals(1, high.exit(), high.out() + high.err());
                JsonNode h = Json.mapper().readTree(high.out()).path("devices").get(0);
                assertEquals("ROLLED_BACK", h.path("state").asText(), high.out());
                assertEquals("accuracy_below_floor", h.path("code").asText(), high.out());
                assertEquals(0.5, h.path("accuracy").asDouble(), 1e-9, high.out());

                // the stored model keeps its shard: deploy it by id with a floor under its accuracy
                FleetVerbsTest.Run low = FleetVerbsTest.run("deploy", brightest().sha256(), "--to", "cli-acc",
                        "--controller", c.httpUrl(), "--min-accuracy", "0.4", "--wait", "--json");
                assertEquals(0, low.exit(), low.out() + low.err());
                JsonNode l = Json.mapper().readTree(low.out()).path("devices").get(0);
                assertEquals("ACTIVE", l.path("state").asText(), low.out());
                assertEquals(0.5, l.path("accuracy").asDouble(), 1e-9, low.out());
            }
        }
    }

    @Test
    void deploy_withAFileThatIsNotAShard_failsWithOneLine(@TempDir Path home) throws Exception {
        Path model = home.resolve("brightest.onnx");
        brightest().save(model);
        Path junk = home.resolve("junk.tfshard");
        java.nio.file.Files.writeString(junk, "not a shard");
        FleetVerbsTest.Run r = FleetVerbsTest.run("deploy", model.toString(), "--eval-shard", junk.toString(),
                "--to", "x", "--controller", "http://127.0.0.1:9");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().startsWith("tinyfleet deploy: error: ") && r.err().contains("not an eval shard"), r.err());
    }
}
