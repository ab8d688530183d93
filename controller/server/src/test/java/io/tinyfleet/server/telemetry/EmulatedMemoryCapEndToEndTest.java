package io.tinyfleet.server.telemetry;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.BlockingHttpClient;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.multipart.MultipartBody;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.agent.ota.ControllerKeyPin;
import io.tinyfleet.agent.telemetry.Emulation;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.TinyModels;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.profile.MemoryCap;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.artifact.ModelRecord;
import io.tinyfleet.server.rollout.DeviceDeployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --emulate}'s memory cap through the whole path the agent verb takes: two real agents started
 * with {@link Agent#start(AgentConfig, Optional)}, one emulating a board too small for the model, one a
 * Raspberry Pi 4, receive the same deployment from the controller; the small board's health check
 * refuses the model ({@code memory_cap_exceeded}, reported to the controller with the figures) while
 * the Pi 4 activates it. The process RSS is fixed at 80 MiB in both caps so the outcome depends on
 * the model, not on how big this test JVM happens to be.
 */
class EmulatedMemoryCapEndToEndTest {

    private static final long MIB = 1L << 20;

    private static Emulation emulation(Path dir, String id, long memoryMb) throws Exception {
        Path root = Path.of(System.getProperty("tinyfleet.root", "../.."), "device-profiles");
        String yaml = Files.readString(root.resolve("raspberry-pi-4.yaml"))
                .replaceFirst("(?m)^id: .*$", "id: " + id)
                .replaceFirst("(?m)^memoryMb: .*$", "memoryMb: " + memoryMb);
        Path f = dir.resolve(id + ".yaml");
        Files.writeString(f, yaml);
        DeviceProfile p = DeviceProfile.load(f);
        return new Emulation(p, new MemoryCap(p.id(), p.memoryBytes(), MemoryCap.defaultReserveBytes(p.memoryBytes()),
                () -> 80 * MIB));
    }

    @Test
    void aModelThatFitsAPi4_isRefusedByTheHealthCheckOfAnEmulatedBoardTooSmallForIt(@TempDir Path home) throws Exception {
        try (ControllerServer c = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("controller"))
                .withProperties(Map.of("tinyfleet.ota.tick-interval", "100ms")));
             HttpClient client = HttpClient.create(new URL(c.httpUrl()))) {
            BlockingHttpClient http = client.toBlocking();
            Path pem = home.resolve("controller.pub");
            Files.writeString(pem, http.retrieve("/api/keys/controller"));
            // 160 MiB board: 96 MiB after its 64 MiB reserve; 80 MiB resident + about 20 MiB for the model does not fit
            Emulation tiny = emulation(home, "tiny-board", 160);
            Emulation pi = emulation(home, "raspberry-pi-4", 4096);
            try (Agent a = agent(c, "cap-tiny", home, pem, tiny); Agent b = agent(c, "cap-pi", home, pem, pi)) {
                OnnxModel m = TinyModels.dense(1024);
                MultipartBody body = MultipartBody.builder()
                        .addPart("file", "dense.onnx", MediaType.APPLICATION_OCTET_STREAM_TYPE, m.toBytes()).build();
                ModelRecord rec = http.retrieve(HttpRequest.POST("/api/models", body)
                        .contentType(MediaType.MULTIPART_FORM_DATA_TYPE), ModelRecord.class);
                Map<?, ?> created = http.retrieve(HttpRequest.POST("/api/deployments", Map.of("model", rec.id(),
                        "targets", List.of("cap-tiny", "cap-pi"), "waves", "100%", "latencyRuns", 3)), Map.class);
                Map<String, DeviceDeployment> byDevice = awaitTerminal(http, (String) created.get("id"), Duration.ofSeconds(60));
                DeviceDeployment small = byDevice.get("cap-tiny");
                assertTrue(List.of("FAILED", "ROLLED_BACK").contains(small.state()), small.toString());
                assertEquals("memory_cap_exceeded", small.code(), small.detail());
                assertTrue(small.detail().contains("measured RSS of 80 MiB")
                        && small.detail().contains("tiny-board's 160 MiB RAM minus a 64 MiB OS reserve = 96 MiB"), small.detail());
                DeviceDeployment big = byDevice.get("cap-pi");
                assertEquals("ACTIVE", big.state(), big.code() + ": " + big.detail());
                assertEquals(m.sha256(), big.activeModelId());
            }
        }
    }

    private static Agent agent(ControllerServer c, String id, Path home, Path pem, Emulation e) throws Exception {
        Path agentHome = home.resolve("agent-" + id);
        ControllerKeyPin.pin(agentHome, pem);
        Agent a = Agent.start(AgentConfig.of(Map.of(AgentConfig.BROKER, c.brokerUrl(), AgentConfig.ID, id,
                AgentConfig.HOME, agentHome.toString(), AgentConfig.HEARTBEAT_S, "1"), "test"), Optional.of(e));
        assertTrue(a.awaitConnected(Duration.ofSeconds(20)), id + " did not connect");
        return a;
    }

    private static Map<String, DeviceDeployment> awaitTerminal(BlockingHttpClient http, String id, Duration timeout)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            io.tinyfleet.server.deploy.RolloutView v = http.retrieve("/api/deployments/" + id,
                    io.tinyfleet.server.deploy.RolloutView.class);
            last = v.toString();
            if (!v.devices().isEmpty() && v.devices().stream().allMatch(DeviceDeployment::terminal)) {
                return v.devices().stream().collect(Collectors.toMap(DeviceDeployment::deviceId, d -> d));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("deployment " + id + " not settled in " + timeout + ": " + last);
    }
}
