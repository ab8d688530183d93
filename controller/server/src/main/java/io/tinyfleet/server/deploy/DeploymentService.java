package io.tinyfleet.server.deploy;

import io.tinyfleet.proto.sign.Manifests;
import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.proto.v1.HealthCheck;
import io.tinyfleet.proto.v1.SignedManifest;
import io.tinyfleet.proto.v1.Slot;
import io.tinyfleet.server.artifact.ArtifactStore;
import io.tinyfleet.server.artifact.ModelRecord;
import io.tinyfleet.server.rollout.Rollout;
import io.tinyfleet.server.rollout.RolloutEngine;
import io.tinyfleet.server.rollout.WavePlan;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * Turns a {@link DeployRequest} into a signed manifest and a rollout: resolves the model and the
 * targets, builds the manifest (artifact sha256 and size, every chunk's sha256, chunk size, health
 * check with the latency ceiling and accuracy floor), signs it and hands it to the engine.
 */
public final class DeploymentService {

    /** Resolves {@code tag:T} targets against the known devices. */
    public interface DeviceDirectory {
        /** Ids of the devices {@code tag} selects (a declared or assigned tag, profile id, arch; {@code all}). */
        List<String> withTag(String tag);
    }

    private final ArtifactStore store;
    private final RolloutEngine engine;
    private final ControllerKeys keys;
    private final DeviceDirectory directory;
    private final int defaultChunkSize;
    private final ChunkServer chunks;

    public DeploymentService(ArtifactStore store, RolloutEngine engine, ControllerKeys keys, DeviceDirectory directory,
                             int defaultChunkSize) {
        this(store, engine, keys, directory, defaultChunkSize, null);
    }

    /** @param chunks answers chunk requests; given the artifact before devices hear of the deployment (may be null) */
    public DeploymentService(ArtifactStore store, RolloutEngine engine, ControllerKeys keys, DeviceDirectory directory,
                             int defaultChunkSize, ChunkServer chunks) {
        this.chunks = chunks;
        this.store = store;
        this.engine = engine;
        this.keys = keys;
        this.directory = directory;
        this.defaultChunkSize = defaultChunkSize;
    }

    /**
     * Creates a rollout.
     *
     * @throws IllegalArgumentException unknown model, no targets, bad waves or thresholds (one line)
     */
    public Rollout deploy(DeployRequest req) {
        if (req.model() == null || req.model().isBlank()) {
            throw new IllegalArgumentException("'model' is required (a model id, id prefix or name)");
        }
        ModelRecord model = store.resolve(req.model()).orElseThrow(() -> new NoSuchModelException(req.model()));
        List<String> targets = resolveTargets(req.targets() == null ? List.of() : req.targets());
        WavePlan waves = WavePlan.parse(req.waves());
        double maxP95 = orZero(req.maxP95Ms());
        double minAcc = orZero(req.minAccuracy());
        if (maxP95 < 0) {
            throw new IllegalArgumentException("maxP95Ms must be >= 0, got " + maxP95);
        }
        if (minAcc < 0 || minAcc > 1) {
            throw new IllegalArgumentException("minAccuracy must be within [0, 1], got " + minAcc);
        }
        if (minAcc > 0 && model.evalSamples() == 0) {
            throw new IllegalArgumentException("minAccuracy needs an eval shard, but model " + model.id().substring(0, 12)
                    + " was stored without one");
        }
        int chunk = req.chunkSize() == null ? defaultChunkSize : req.chunkSize();
        String id = "d-" + UUID.randomUUID().toString().substring(0, 12);
        byte[] artifact = store.artifact(model);
        DeploymentManifest m = Manifests.forArtifact(artifact, chunk)
                .setDeploymentId(id)
                .setModelId(model.id())
                .setModelVersion(model.name())
                .setModelSize(model.modelBytes())
                .setTargetSlot(Slot.SLOT_UNSPECIFIED)
                .setHealthCheck(HealthCheck.newBuilder().setSmokeInference(true).setMaxP95Ms(maxP95)
                        .setMinAccuracy(minAcc).setLatencyRuns(req.latencyRuns() == null ? 0 : req.latencyRuns()))
                .build();
        SignedManifest signed = keys.signer().sign(m);
        if (chunks != null) {
            // the first chunk requests arrive right after the desired state: answer them from memory
            // instead of a database lookup and a second read of the artifact while the devices wait
            chunks.offer(id, m, artifact);
        }
        return engine.create(id, model.id(), signed, targets, waves,
                req.successThreshold() == null ? 100 : req.successThreshold(),
                req.errorThreshold() == null ? 100 : req.errorThreshold(), maxP95, minAcc);
    }

    /** Device ids in order, {@code tag:T} expanded. */
    public List<String> resolveTargets(List<String> specs) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String s : specs) {
            for (String part : s.split(",")) {
                String t = part.strip();
                if (t.isEmpty()) {
                    continue;
                }
                if (t.startsWith("tag:")) {
                    List<String> match = directory.withTag(t.substring(4));
                    if (match.isEmpty()) {
                        throw new IllegalArgumentException("no known device matches '" + t + "' (a tag matches a tag "
                                + "the device declared or was assigned, its device profile id or CPU arch; tag:all "
                                + "matches every device)");
                    }
                    out.addAll(match);
                } else {
                    io.tinyfleet.proto.Topics.requireDeviceId(t);
                    out.add(t);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no targets: name device ids or tag:T in 'targets'");
        }
        return new ArrayList<>(out);
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }

    /** The requested model is not stored. */
    public static final class NoSuchModelException extends IllegalArgumentException {
        public NoSuchModelException(String ref) {
            super("no model '" + ref + "' on the controller (upload it with POST /api/models)");
        }
    }
}
