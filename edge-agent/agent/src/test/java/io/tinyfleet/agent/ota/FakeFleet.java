package io.tinyfleet.agent.ota;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.ByteString;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.sign.ManifestSigner;
import io.tinyfleet.proto.sign.Manifests;
import io.tinyfleet.proto.v1.Chunk;
import io.tinyfleet.proto.v1.ChunkRequest;
import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.proto.v1.DesiredState;
import io.tinyfleet.proto.v1.HealthCheck;
import io.tinyfleet.proto.v1.ModelBundle;
import io.tinyfleet.proto.v1.SignedManifest;
import io.tinyfleet.runtime.data.EvalShard;
import io.tinyfleet.runtime.model.OnnxModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An in-memory broker plus controller chunk server for agent tests, with fault injection: a
 * {@link #faults} function turns each chunk the controller would send into zero or more
 * payloads (corrupted, duplicated, dropped), and replies leave after random delays so they
 * arrive reordered.
 */
final class FakeFleet implements AutoCloseable {

    final Map<String, byte[]> artifacts = new ConcurrentHashMap<>();
    final Map<String, byte[]> retained = new ConcurrentHashMap<>();
    final List<DeploymentStatus> statuses = new CopyOnWriteArrayList<>();
    final List<Connection> connections = new CopyOnWriteArrayList<>();
    volatile Function<Chunk, List<Chunk>> faults = List::of;
    private final ScheduledExecutorService net = Executors.newScheduledThreadPool(2);
    private final Random random = new Random(7);

    /** zstd of a bundle of {@code model} (+ shard). */
    static byte[] artifact(OnnxModel model, EvalShard shard) {
        ModelBundle.Builder b = ModelBundle.newBuilder().setModel(ByteString.copyFrom(model.toBytes()));
        if (shard != null) {
            b.setEvalShardFile(ByteString.copyFrom(shard.toBytes()));
        }
        return Zstd.compress(b.build().toByteArray(), 3);
    }

    static SignedManifest manifest(ManifestSigner signer, String id, OnnxModel model, byte[] artifact, int chunk,
                                   HealthCheck hc) {
        DeploymentManifest m = Manifests.forArtifact(artifact, chunk).setDeploymentId(id).setModelId(model.sha256())
                .setModelVersion(id).setModelSize(model.sizeBytes()).setHealthCheck(hc).build();
        return signer.sign(m);
    }

    void desire(String device, SignedManifest m, byte[] artifact) throws Exception {
        artifacts.put(DeploymentManifest.parseFrom(m.getManifest()).getDeploymentId(), artifact);
        byte[] ds = DesiredState.newBuilder().setManifest(m).setTimestampMs(System.currentTimeMillis()).build()
                .toByteArray();
        String topic = Topics.device(device, Topics.Kind.DESIRED);
        retained.put(topic, ds);
        for (Connection c : connections) {
            c.deliver(topic, ds, null);
        }
    }

    Connection connect() {
        Connection c = new Connection();
        connections.add(c);
        return c;
    }

    List<DeploymentState> states(String deploymentId) {
        return statuses.stream().filter(s -> s.getDeploymentId().equals(deploymentId)).map(DeploymentStatus::getState)
                .toList();
    }

    DeploymentStatus await(Predicate<DeploymentStatus> p, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (DeploymentStatus s : statuses) {
                if (p.test(s)) {
                    return s;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no matching status within " + timeout + "; got " + statuses.stream()
                .map(s -> s.getDeploymentId() + ":" + s.getState() + ":" + s.getCode()).toList());
    }

    DeploymentStatus awaitTerminal(String id) throws InterruptedException {
        return await(s -> s.getDeploymentId().equals(id) && switch (s.getState()) {
            case ACTIVE, FAILED, ROLLED_BACK, REJECTED -> true;
            default -> false;
        }, Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        net.shutdownNow();
    }

    /** One agent's connection. */
    final class Connection implements OtaTransport {
        private final Map<String, Handler> subs = new ConcurrentHashMap<>();
        volatile boolean up = true;
        final List<Integer> requested = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger requestMessages = new java.util.concurrent.atomic.AtomicInteger();

        void deliver(String topic, byte[] payload, byte[] corr) {
            Handler h = up ? subs.get(topic) : null;
            if (h != null) {
                h.onMessage(topic, payload, corr);
            }
        }

        void drop() {
            up = false;
            subs.clear();
            connections.remove(this);
        }

        @Override
        public void subscribe(String filter, Handler handler) {
            subs.put(filter, handler);
            byte[] r = retained.get(filter);
            if (r != null) {
                handler.onMessage(filter, r, null);
            }
        }

        @Override
        public void publish(String topic, byte[] payload, int qos, boolean retain) throws java.io.IOException {
            if (!up) {
                throw new java.io.IOException("disconnected");
            }
            if (topic.endsWith("/" + Topics.Kind.OTA_STATUS.segment())) {
                statuses.add(DeploymentStatus.parseFrom(payload));
            }
        }

        @Override
        public void request(String topic, byte[] payload, String responseTopic, byte[] correlation)
                throws java.io.IOException {
            if (!up) {
                throw new java.io.IOException("disconnected");
            }
            ChunkRequest req = ChunkRequest.parseFrom(payload);
            requestMessages.incrementAndGet();
            byte[] art = artifacts.get(req.getDeploymentId());
            for (int i : req.getIndicesList()) {
                requested.add(i);
                Chunk.Builder c = Chunk.newBuilder().setDeploymentId(req.getDeploymentId()).setIndex(i);
                if (art == null) {
                    c.setError("unknown deployment");
                } else {
                    DeploymentManifest m = manifestOf(req.getDeploymentId());
                    int off = i * m.getChunkSize();
                    int len = Math.min(m.getChunkSize(), art.length - off);
                    c.setOffset(off).setData(ByteString.copyFrom(art, off, len));
                }
                for (Chunk out : faults.apply(c.build())) {
                    long delay = random.nextInt(4);
                    net.schedule(() -> deliver(responseTopic, out.toByteArray(), correlation), delay, TimeUnit.MILLISECONDS);
                }
            }
        }

        private DeploymentManifest manifestOf(String id) throws java.io.IOException {
            for (byte[] r : retained.values()) {
                DeploymentManifest m = DeploymentManifest.parseFrom(DesiredState.parseFrom(r).getManifest().getManifest());
                if (m.getDeploymentId().equals(id)) {
                    return m;
                }
            }
            throw new java.io.IOException("no manifest " + id);
        }
    }

    static List<Chunk> corruptFirstCopyOf(Chunk c, java.util.Set<Integer> seen) {
        List<Chunk> out = new ArrayList<>();
        if (seen.add(c.getIndex()) && c.getIndex() % 3 == 0) {
            byte[] d = c.getData().toByteArray();
            d[d.length / 2] ^= 0x5a;
            out.add(c.toBuilder().setData(ByteString.copyFrom(d)).build());
            return out;
        }
        out.add(c);
        if (c.getIndex() % 4 == 1) {
            out.add(c); // duplicate
        }
        return out;
    }
}
