package io.tinyfleet.server.deploy;

import com.google.protobuf.UnsafeByteOperations;
import io.tinyfleet.proto.v1.Chunk;
import io.tinyfleet.proto.v1.ChunkRequest;
import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.server.artifact.ArtifactStore;
import io.tinyfleet.server.rollout.Rollout;
import io.tinyfleet.server.rollout.RolloutEngine;
import io.tinyfleet.server.rollout.RolloutRepository;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Answers chunk requests from the artifact of the request's deployment. Artifacts of recent
 * deployments stay in memory (a few, least recently used first out) so a fleet downloading the
 * same model reads the disk once.
 */
public final class ChunkServer {

    private record Entry(DeploymentManifest manifest, byte[] artifact) {
    }

    private final RolloutRepository rollouts;
    private final ArtifactStore store;
    private final Map<String, Entry> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> e) {
            return size() > 4;
        }
    };

    public ChunkServer(RolloutRepository rollouts, ArtifactStore store) {
        this.rollouts = rollouts;
        this.store = store;
    }

    /** The chunks a request asks for (an error chunk for an unknown deployment or index). */
    public List<Chunk> serve(ChunkRequest req) {
        List<Chunk> out = new ArrayList<>();
        Optional<Entry> e = entry(req.getDeploymentId());
        for (int i : req.getIndicesList()) {
            Chunk.Builder c = Chunk.newBuilder().setDeploymentId(req.getDeploymentId()).setIndex(i);
            if (e.isEmpty()) {
                c.setError("unknown deployment '" + req.getDeploymentId() + "'");
            } else {
                DeploymentManifest m = e.get().manifest();
                long off = (long) i * m.getChunkSize();
                if (i < 0 || off >= m.getArtifactSize()) {
                    c.setError("no chunk " + i + " in deployment " + req.getDeploymentId());
                } else {
                    int len = (int) Math.min(m.getChunkSize(), m.getArtifactSize() - off);
                    // a view of the cached artifact, not a copy: it is copied once, when the chunk is serialized
                    c.setOffset(off).setData(UnsafeByteOperations.unsafeWrap(e.get().artifact(), (int) off, len));
                }
            }
            out.add(c.build());
        }
        return out;
    }

    /** Caches the artifact of a deployment about to start (its manifest must be the signed one). */
    public synchronized void offer(String deploymentId, DeploymentManifest manifest, byte[] artifact) {
        cache.put(deploymentId, new Entry(manifest, artifact));
    }

    private synchronized Optional<Entry> entry(String deploymentId) {
        Entry e = cache.get(deploymentId);
        if (e != null) {
            return Optional.of(e);
        }
        Optional<Rollout> r = rollouts.find(deploymentId);
        if (r.isEmpty()) {
            return Optional.empty();
        }
        try {
            DeploymentManifest m = DeploymentManifest.parseFrom(RolloutEngine.manifest(r.get()).getManifest());
            byte[] art = java.nio.file.Files.readAllBytes(store.bundleFile(m.getArtifactSha256()));
            e = new Entry(m, art);
            cache.put(deploymentId, e);
            return Optional.of(e);
        } catch (java.io.IOException ex) {
            return Optional.empty();
        }
    }
}
