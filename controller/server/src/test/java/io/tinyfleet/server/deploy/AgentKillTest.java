package io.tinyfleet.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.multipart.MultipartBody;
import io.tinyfleet.agent.ota.ControllerKeyPin;
import io.tinyfleet.agent.ota.OtaAgent;
import io.tinyfleet.agent.ota.SlotManager;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.artifact.ModelRecord;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 fault injection with a real process: the agent runs in its own JVM and is killed with
 * SIGKILL ({@link Process#destroyForcibly()}) once during a download and once during the install
 * (its slot written, not yet active). After each kill the active slot must still hold the last good
 * model, byte for byte; restarted on the same home, the agent must finish the deployment.
 */
class AgentKillTest {

    /** Seconds to wait for each step; generous because a second JVM starts on a shared 2-core machine. */
    static final long LIMIT_S = 90;

    static final String DEV = "kill-1";

    @TempDir
    Path tmp;

    @Test
    void killedDuringDownloadAndDuringInstall_keepsTheLastGoodModelActive_andFinishesAfterRestart() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("controller"));
        Path dev = Files.createDirectories(tmp.resolve("agent"));
        Path control = Files.createDirectories(tmp.resolve("control"));
        try (ControllerServer server = ControllerServer.start(ControllerOptions.of(0, 0, home).withProperties(Map.of(
                "tinyfleet.ota.chunk-size", 16 * 1024, "tinyfleet.ota.tick-interval", "100ms")));
             HttpClient http = HttpClient.create(new URL(server.httpUrl()))) {
            ControllerKeyPin.pin(dev, server.context().getBean(ControllerKeys.class).publicKeyFile());
            OnnxModel a = OtaEndToEndTest.model(20_000, 11);
            OnnxModel b = OtaEndToEndTest.model(120_000, 12); // ~30 chunks of 16 KiB
            OnnxModel c = OtaEndToEndTest.model(20_000, 13);
            String idA = upload(http, a).id();
            String idB = upload(http, b).id();
            String idC = upload(http, c).id();

            Process p = startAgent(server.brokerUrl(), dev, control);
            try {
                assertEquals("ACTIVE", awaitDevice(http, deploy(http, idA)).state());
                assertEquals(a.sha256(), activeSha(dev));

                // kill -9 during the download: after the 10th chunk is on disk
                String depB = deployAndKillAt(http, idB, p, control, OtaAgent.Step.CHUNK_STORED, 10);
                assertEquals(a.sha256(), activeSha(dev), "the last good model stays active after a kill mid-download");
                assertTrue(Files.exists(dev.resolve("ota/download/artifact.bitmap")), "the partial download is kept");

                p = startAgent(server.brokerUrl(), dev, control);
                io.tinyfleet.server.rollout.DeviceDeployment vb = awaitDevice(http, depB);
                assertEquals("ACTIVE", vb.state(), vb.detail());
                assertEquals(b.sha256(), activeSha(dev));

                // kill -9 during the install: the new model is written to the inactive slot, not switched to
                String depC = deployAndKillAt(http, idC, p, control, OtaAgent.Step.SLOT_WRITTEN, 1);
                assertEquals(b.sha256(), activeSha(dev), "the last good model stays active after a kill mid-install");

                p = startAgent(server.brokerUrl(), dev, control);
                io.tinyfleet.server.rollout.DeviceDeployment vc = awaitDevice(http, depC);
                assertEquals("ACTIVE", vc.state(), vc.detail());
                assertEquals(c.sha256(), activeSha(dev));
                assertEquals(c.sha256(), vc.activeModelId());
            } finally {
                kill(p);
            }
        }
    }

    /** Deploys {@code model}, lets the agent pause the {@code n}-th time it passes {@code step}, kills it there. */
    static String deployAndKillAt(HttpClient http, String model, Process agent, Path control, OtaAgent.Step step, int n)
            throws Exception {
        Files.writeString(control.resolve("pause-" + step), Integer.toString(n));
        String deployment = deploy(http, model);
        awaitFile(control.resolve("paused-" + step));
        kill(agent);
        Files.delete(control.resolve("pause-" + step));
        return deployment;
    }

    static ModelRecord upload(HttpClient http, OnnxModel m) {
        MultipartBody body = MultipartBody.builder()
                .addPart("file", "m.onnx", MediaType.APPLICATION_OCTET_STREAM_TYPE, m.toBytes()).build();
        return http.toBlocking().retrieve(HttpRequest.POST("/api/models", body)
                .contentType(MediaType.MULTIPART_FORM_DATA_TYPE), ModelRecord.class);
    }

    static String deploy(HttpClient http, String model) {
        return http.toBlocking().retrieve(HttpRequest.POST("/api/deployments", Map.of("model", model,
                "targets", List.of(DEV), "waves", "100%", "latencyRuns", 3)), RolloutView.class).id();
    }

    /** This device's entry once it is terminal (ACTIVE, FAILED, ROLLED_BACK or REJECTED). */
    static io.tinyfleet.server.rollout.DeviceDeployment awaitDevice(HttpClient http, String deployment) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_S);
        RolloutView v = null;
        while (System.nanoTime() < end) {
            v = http.toBlocking().retrieve("/api/deployments/" + deployment, RolloutView.class);
            io.tinyfleet.server.rollout.DeviceDeployment d = v.devices().get(0);
            if (List.of("ACTIVE", "FAILED", "ROLLED_BACK", "REJECTED").contains(d.state())) {
                return d;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("deployment " + deployment + " not terminal in " + LIMIT_S + " s: " + v);
    }

    /** sha256 of the model file in the slot the device would load on start. */
    static String activeSha(Path dev) throws Exception {
        SlotManager.SlotInfo active = new SlotManager(dev.resolve("slots")).active().orElseThrow();
        return OnnxModel.sha256Hex(Files.readAllBytes(active.modelFile()));
    }

    static Process startAgent(String broker, Path dev, Path control) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = control.resolve("agent-stdout.log");
        Files.deleteIfExists(out);
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), KillableAgent.class.getName(),
                broker, DEV, dev.toString(), control.toString())
                .redirectOutput(out.toFile()) // a file, not a pipe: the agent logs to stdout and must never block on it
                .redirectError(ProcessBuilder.Redirect.appendTo(control.resolve("agent-stderr.log").toFile()))
                .start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_S);
        while (!(Files.exists(out) && Files.readAllLines(out).contains("READY"))) {
            if (!p.isAlive() || System.nanoTime() > end) {
                p.destroyForcibly();
                throw new AssertionError("agent process did not start; stdout: " + Files.readString(out));
            }
            Thread.sleep(50);
        }
        return p;
    }

    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no clean disconnect
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "agent process did not die");
    }

    static void awaitFile(Path f) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_S);
        while (!Files.exists(f)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the agent never reached " + f.getFileName());
            }
            Thread.sleep(20);
        }
    }
}
