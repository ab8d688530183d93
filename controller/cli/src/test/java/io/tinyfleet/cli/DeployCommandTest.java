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
}
