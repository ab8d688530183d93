package io.tinyfleet.agent.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.tinyfleet.proto.sign.Ed25519Keys;
import io.tinyfleet.proto.sign.ManifestSigner;
import io.tinyfleet.proto.sign.ManifestVerifier;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.proto.v1.HealthCheck;
import io.tinyfleet.proto.v1.SignedManifest;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OtaAgentTest {

    static final String DEV = "pi-01";
    static final int CHUNK = 1024;
    static final HealthCheck SMOKE = HealthCheck.newBuilder().setSmokeInference(true).setLatencyRuns(3).build();

    @TempDir
    Path home;
    final KeyPair keys = Ed25519Keys.generate();
    final ManifestSigner signer = new ManifestSigner(keys);
    final FakeFleet fleet = new FakeFleet();
    OtaAgent agent;

    OtaAgent startAgent(KeyPair trusted) throws Exception {
        FakeFleet.Connection c = fleet.connect();
        OtaAgent a = new OtaAgent(DEV, home, new ManifestVerifier(trusted.getPublic()), c, RuntimeOptions.defaults(),
                OtaAgent.Options.defaults().withChunkTimeout(Duration.ofMillis(300)));
        a.start();
        a.onConnected();
        return a;
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        fleet.close();
    }

    String deploy(String id, OnnxModel model, HealthCheck hc, io.tinyfleet.runtime.data.EvalShard shard) throws Exception {
        byte[] art = FakeFleet.artifact(model, shard);
        fleet.desire(DEV, FakeFleet.manifest(signer, id, model, art, CHUNK, hc), art);
        return id;
    }

    String installedSha() throws Exception {
        return OnnxModel.sha256Hex(Files.readAllBytes(agent.slots().active().orElseThrow().modelFile()));
    }

    @Test
    void deploy_becomesActive_despiteCorruptDuplicatedAndReorderedChunks() throws Exception {
        Set<Integer> seen = java.util.Collections.synchronizedSet(new HashSet<>());
        fleet.faults = c -> FakeFleet.corruptFirstCopyOf(c, seen);
        agent = startAgent(keys);
        OnnxModel model = OtaModels.padded(20_000, 1);
        deploy("d1", model, SMOKE, null);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.ACTIVE, s.getState(), s.getDetail());
        assertEquals(model.sha256(), installedSha());
        assertEquals(model.sha256(), agent.serving().modelId().orElseThrow());
        assertTrue(agent.counters().get("corruptChunks") > 0);
        assertTrue(agent.counters().get("duplicateChunks") > 0);
        List<DeploymentState> states = fleet.states("d1");
        assertEquals(List.of(DeploymentState.QUEUED, DeploymentState.DOWNLOADING), states.subList(0, 2));
        assertTrue(states.containsAll(List.of(DeploymentState.VERIFYING, DeploymentState.INSTALLING,
                DeploymentState.HEALTH_CHECK)));
        assertTrue(states.stream().filter(x -> x == DeploymentState.DOWNLOADING).count() >= 10, "progress every 5 %");
    }

    @Test
    void chunkRequests_nameSeveralChunksEach() throws Exception {
        agent = startAgent(keys);
        OnnxModel model = OtaModels.padded(40_000, 3);
        deploy("d1", model, SMOKE, null);
        assertEquals(DeploymentState.ACTIVE, fleet.awaitTerminal("d1").getState());
        FakeFleet.Connection c = fleet.connections.get(0);
        int chunks = new HashSet<>(c.requested).size();
        assertTrue(chunks > 100, "a download of " + chunks + " chunks");
        // the first request fills the window (32), then one request per quarter of it (8), the last one
        // the rest; a request that times out on a loaded machine may add one more
        int expected = 1 + (chunks - 32 + 7) / 8;
        assertTrue(c.requestMessages.get() <= expected + 2, c.requestMessages.get() + " requests for " + chunks
                + " chunks, expected about " + expected);
        assertEquals(model.sha256(), installedSha());
    }

    @Test
    void aTamperedManifest_isRejected_andNothingIsDownloaded() throws Exception {
        agent = startAgent(keys);
        OnnxModel model = OtaModels.padded(2000, 1);
        byte[] art = FakeFleet.artifact(model, null);
        SignedManifest good = FakeFleet.manifest(signer, "d1", model, art, CHUNK, SMOKE);
        byte[] b = good.getManifest().toByteArray();
        b[b.length / 2] ^= 1;
        fleet.desire(DEV, good.toBuilder().setManifest(ByteString.copyFrom(b)).build(), art);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.REJECTED, s.getState());
        assertEquals("signature_invalid", s.getCode());
        assertTrue(fleet.connections.get(0).requested.isEmpty());
    }

    @Test
    void aManifestSignedByAnotherKey_isRejected() throws Exception {
        agent = startAgent(Ed25519Keys.generate());
        deploy("d1", OtaModels.padded(100, 1), SMOKE, null);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.REJECTED, s.getState());
        assertEquals("unknown_key", s.getCode());
        assertTrue(agent.slots().active().isEmpty());
    }

    @Test
    void aTamperedArtifact_isRejected_afterItsChunksKeepFailingTheirHash() throws Exception {
        agent = startAgent(keys);
        OnnxModel model = OtaModels.padded(2000, 1);
        byte[] art = FakeFleet.artifact(model, null);
        SignedManifest m = FakeFleet.manifest(signer, "d1", model, art, CHUNK, SMOKE);
        byte[] evil = art.clone();
        evil[evil.length - 5] ^= 1;
        fleet.desire(DEV, m, evil);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.REJECTED, s.getState());
        assertEquals("chunk_hash_mismatch", s.getCode());
        assertTrue(agent.slots().active().isEmpty());
    }

    @Test
    void aSignedManifestForAnotherModel_isRejectedAtVerification() throws Exception {
        agent = startAgent(keys);
        OnnxModel model = OtaModels.padded(2000, 1);
        byte[] art = FakeFleet.artifact(model, null);
        SignedManifest m = signer.sign(io.tinyfleet.proto.sign.Manifests.forArtifact(art, CHUNK).setDeploymentId("d1")
                .setModelId(OtaModels.padded(2000, 2).sha256()).setHealthCheck(SMOKE).build());
        fleet.desire(DEV, m, art);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.REJECTED, s.getState());
        assertEquals("model_hash_mismatch", s.getCode());
    }

    @Test
    void aModelBelowTheAccuracyFloor_isRolledBack_andThePreviousModelKeepsServing() throws Exception {
        agent = startAgent(keys);
        OnnxModel good = OtaModels.padded(3000, 1);
        deploy("d1", good, SMOKE.toBuilder().setMinAccuracy(0.9).build(), OtaModels.shard(20, false));
        DeploymentStatus first = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.ACTIVE, first.getState(), first.getDetail());
        assertEquals(1.0, first.getHealth().getAccuracy(), 1e-9);

        OnnxModel next = OtaModels.padded(3000, 2);
        deploy("d2", next, SMOKE.toBuilder().setMinAccuracy(0.9).build(), OtaModels.shard(20, true));
        DeploymentStatus s = fleet.awaitTerminal("d2");
        assertEquals(DeploymentState.ROLLED_BACK, s.getState());
        assertEquals("accuracy_below_floor", s.getCode());
        assertTrue(s.getDetail().contains("below the floor"), s.getDetail());
        assertEquals(good.sha256(), agent.serving().modelId().orElseThrow());
        assertEquals(good.sha256(), installedSha());
        assertEquals(good.sha256(), s.getActiveModelId());
    }

    @Test
    void aModelThatFailsToLoad_isRolledBack_withTheLoadError() throws Exception {
        agent = startAgent(keys);
        OnnxModel base = OtaModels.padded(100, 1);
        // wrong input shape: the MatMul weight no longer fits the flattened input
        OnnxModel broken = base.withGraph(base.graph().toBuilder().setInput(0,
                io.tinyfleet.runtime.model.GraphBuilder.valueInfo("x",
                        ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, 1, 1, 3, 3)).build());
        deploy("d1", broken, SMOKE, null);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.ROLLED_BACK, s.getState());
        assertTrue(List.of("load_failed", "smoke_failed").contains(s.getCode()), s.getCode() + ": " + s.getDetail());
        assertTrue(agent.slots().active().isEmpty());
    }

    @Test
    void aLatencyCeilingBelowWhatTheDeviceAchieves_rollsBack() throws Exception {
        agent = startAgent(keys);
        deploy("d1", OtaModels.padded(100, 1), SMOKE.toBuilder().setMaxP95Ms(1e-6).build(), null);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.ROLLED_BACK, s.getState());
        assertEquals("latency_above_ceiling", s.getCode());
    }

    @Test
    void aCrashDuringDownload_resumesFromTheBitmap_withoutFetchingStoredChunksAgain() throws Exception {
        agent = startAgent(keys);
        AtomicInteger stored = new AtomicInteger();
        agent.setCrashHook(step -> {
            if (step == OtaAgent.Step.CHUNK_STORED && stored.incrementAndGet() == 15) {
                throw new OtaAgent.SimulatedCrash(step.name());
            }
        });
        OnnxModel model = OtaModels.padded(20_000, 1);
        deploy("d1", model, SMOKE, null);
        long end = System.currentTimeMillis() + 10_000;
        while (!agent.isDead() && System.currentTimeMillis() < end) {
            Thread.sleep(10);
        }
        assertTrue(agent.isDead());
        fleet.connections.get(0).drop();
        int chunks = (int) ((FakeFleet.artifact(model, null).length + CHUNK - 1) / CHUNK);

        agent = startAgent(keys);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.ACTIVE, s.getState(), s.getDetail());
        assertEquals(model.sha256(), installedSha());
        long refetched = fleet.connections.get(0).requested.stream().distinct().count();
        assertTrue(refetched <= chunks - 15, "fetched " + refetched + " of " + chunks + " chunks after the restart");
    }

    @ParameterizedTest
    @EnumSource(value = OtaAgent.Step.class, names = {"BEFORE_INSTALL", "SLOT_WRITTEN", "BEFORE_ACTIVATE", "ACTIVATED"})
    void aCrashDuringInstall_keepsTheLastGoodModelActive_andTheDeploymentCompletesAfterRestart(OtaAgent.Step at)
            throws Exception {
        agent = startAgent(keys);
        OnnxModel good = OtaModels.padded(1000, 1);
        deploy("d1", good, SMOKE, null);
        assertEquals(DeploymentState.ACTIVE, fleet.awaitTerminal("d1").getState());

        agent.setCrashHook(step -> {
            if (step == at) {
                throw new OtaAgent.SimulatedCrash(step.name());
            }
        });
        OnnxModel next = OtaModels.padded(1000, 2);
        deploy("d2", next, SMOKE, null);
        long end = System.currentTimeMillis() + 10_000;
        while (!agent.isDead() && System.currentTimeMillis() < end) {
            Thread.sleep(10);
        }
        assertTrue(agent.isDead());
        fleet.connections.get(0).drop();
        SlotManager.SlotInfo afterCrash = new SlotManager(home.resolve("slots")).active().orElseThrow();
        String expected = at == OtaAgent.Step.ACTIVATED ? next.sha256() : good.sha256();
        assertEquals(expected, afterCrash.modelId());
        assertEquals(expected, OnnxModel.sha256Hex(Files.readAllBytes(afterCrash.modelFile())));

        agent = startAgent(keys);
        DeploymentStatus s = fleet.await(x -> x.getDeploymentId().equals("d2")
                && x.getState() == DeploymentState.ACTIVE, Duration.ofSeconds(30));
        assertEquals(next.sha256(), installedSha());
        assertEquals(next.sha256(), agent.serving().modelId().orElseThrow());
        assertFalse(Files.exists(home.resolve("ota/download")));
        assertEquals(next.sha256(), s.getActiveModelId());
    }

    @Test
    void aDesiredStateThatAlreadyFailed_isNotRetried_afterRestart() throws Exception {
        agent = startAgent(keys);
        deploy("d1", OtaModels.padded(100, 1), SMOKE.toBuilder().setMaxP95Ms(1e-6).build(), null);
        assertEquals(DeploymentState.ROLLED_BACK, fleet.awaitTerminal("d1").getState());
        agent.close();
        fleet.connections.get(0).drop();
        fleet.statuses.clear();
        agent = startAgent(keys);
        DeploymentStatus s = fleet.awaitTerminal("d1");
        assertEquals(DeploymentState.ROLLED_BACK, s.getState());
        assertTrue(fleet.connections.get(0).requested.isEmpty());
    }
}
