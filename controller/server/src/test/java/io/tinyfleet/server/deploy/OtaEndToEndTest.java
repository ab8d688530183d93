package io.tinyfleet.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.client.multipart.MultipartBody;
import io.tinyfleet.agent.ota.OtaAgent;
import io.tinyfleet.proto.sign.Ed25519Keys;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.model.TinyModels;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.artifact.ModelRecord;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Controller (embedded broker, REST, signing, chunk server, rollouts) and real agents over MQTT. */
class OtaEndToEndTest {

    static Path home;
    static ControllerServer server;
    static HttpClient http;
    static PublicKey key;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("tf-ota-e2e");
        server = ControllerServer.start(ControllerOptions.of(0, 0, home).withProperties(Map.of(
                "tinyfleet.ota.chunk-size", 16 * 1024, "tinyfleet.ota.tick-interval", "100ms")));
        http = HttpClient.create(new URL(server.httpUrl()));
        String pem = http.toBlocking().retrieve("/api/keys/controller");
        key = Ed25519Keys.parsePublic(pem, "GET /api/keys/controller");
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static OnnxModel model(int padFloats, long seed) {
        OnnxModel base = TinyModels.brightestPixel(1);
        float[] pad = new float[padFloats];
        Random r = new Random(seed);
        for (int i = 0; i < pad.length; i++) {
            pad[i] = r.nextFloat();
        }
        return base.withGraph(base.graph().toBuilder().addInitializer(Tensors.floats("pad", new long[] {padFloats}, pad))
                .build());
    }

    static ModelRecord upload(OnnxModel m, String name) {
        MultipartBody body = MultipartBody.builder()
                .addPart("file", name, MediaType.APPLICATION_OCTET_STREAM_TYPE, m.toBytes()).build();
        return http.toBlocking().retrieve(HttpRequest.POST("/api/models", body)
                .contentType(MediaType.MULTIPART_FORM_DATA_TYPE), ModelRecord.class);
    }

    static RolloutView deploy(String model, List<String> targets, String waves) {
        return http.toBlocking().retrieve(HttpRequest.POST("/api/deployments", Map.of("model", model,
                "targets", targets, "waves", waves, "latencyRuns", 3)), RolloutView.class);
    }

    static RolloutView awaitDone(String id, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        RolloutView v = null;
        while (System.nanoTime() < end) {
            v = http.toBlocking().retrieve("/api/deployments/" + id, RolloutView.class);
            if (v.done() && !"RUNNING".equals(v.state())) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("deployment " + id + " not done in " + timeout + ": " + v);
    }

    @Test
    void uploadAndDeploy_makesTheModelActiveOnTheDevice_andTheApiReportsIt(@TempDir Path dev) throws Exception {
        OnnxModel m = model(20_000, 1);
        ModelRecord rec = upload(m, "padded.onnx");
        assertEquals(m.sha256(), rec.id());
        assertEquals(rec.id(), http.toBlocking().retrieve(HttpRequest.GET("/api/models"),
                Argument.listOf(ModelRecord.class)).stream().filter(r -> r.id().equals(m.sha256())).findFirst()
                .orElseThrow().id());
        try (OtaDevice d = new OtaDevice(server.brokerUrl(), "e2e-1", dev, key, OtaAgent.Options.defaults())) {
            RolloutView v = awaitDone(deploy(rec.id(), List.of("e2e-1"), "100%").id(), Duration.ofSeconds(30));
            assertEquals("FINISHED", v.state(), v.reason());
            assertEquals("ACTIVE", v.devices().get(0).state());
            assertEquals(m.sha256(), v.devices().get(0).activeModelId());
            assertEquals(m.sha256(), OnnxModel.sha256Hex(Files.readAllBytes(
                    d.agent.slots().active().orElseThrow().modelFile())));
        }
    }

    @Test
    void uploadOfSomethingThatIsNotAModel_isRefusedWithAStableCode() {
        MultipartBody body = MultipartBody.builder()
                .addPart("file", "junk.onnx", MediaType.APPLICATION_OCTET_STREAM_TYPE, new byte[] {1, 2, 3}).build();
        HttpClientResponseException e = org.junit.jupiter.api.Assertions.assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().retrieve(HttpRequest.POST("/api/models", body)
                        .contentType(MediaType.MULTIPART_FORM_DATA_TYPE)));
        assertEquals(400, e.getStatus().getCode());
        String text = e.getResponse().getBody(String.class).orElse("");
        assertTrue(text.contains("INVALID_MODEL") && text.contains("junk.onnx"), text);
    }

    @Test
    void aBrokerRestartMidTransfer_resumesFromTheBitmap_andInstallsTheRightModel(@TempDir Path dev) throws Exception {
        OnnxModel m = model(120_000, 2); // ~480 KB artifact, 30 chunks of 16 KiB
        ModelRecord rec = upload(m, "big.onnx");
        int chunks = (int) ((rec.artifactBytes() + 16 * 1024 - 1) / (16 * 1024));
        try (OtaDevice d = new OtaDevice(server.brokerUrl(), "e2e-2", dev, key, OtaAgent.Options.defaults()
                .withChunkTimeout(Duration.ofSeconds(2)))) {
            AtomicInteger stored = new AtomicInteger();
            int[] requestedBefore = new int[1];
            d.agent.setCrashHook(step -> {
                if (step == OtaAgent.Step.CHUNK_STORED && stored.incrementAndGet() == 10) {
                    // the broker goes down and comes back while the agent holds 10 chunks
                    server.embeddedBroker().orElseThrow().stop();
                    requestedBefore[0] = d.requested.size();
                    server.embeddedBroker().orElseThrow().start();
                }
            });
            RolloutView v = awaitDone(deploy(rec.id(), List.of("e2e-2"), "100%").id(), Duration.ofSeconds(60));
            assertEquals("ACTIVE", v.devices().get(0).state(), v.devices().get(0).detail());
            assertEquals(m.sha256(), OnnxModel.sha256Hex(Files.readAllBytes(
                    d.agent.slots().active().orElseThrow().modelFile())));
            long after = d.requested.subList(requestedBefore[0], d.requested.size()).stream().distinct().count();
            assertTrue(after <= chunks - 10, "requested " + after + " distinct chunks of " + chunks + " after the restart");
        }
    }
}
