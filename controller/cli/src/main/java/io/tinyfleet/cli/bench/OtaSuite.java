package io.tinyfleet.cli.bench;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.agent.ota.ControllerKeyPin;
import io.tinyfleet.agent.ota.OtaAgent;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.artifact.ArtifactStore;
import io.tinyfleet.server.artifact.ModelRecord;
import io.tinyfleet.server.deploy.ControllerKeys;
import io.tinyfleet.server.deploy.DeployRequest;
import io.tinyfleet.server.deploy.DeploymentService;
import io.tinyfleet.server.rollout.Rollout;
import io.tinyfleet.server.rollout.RolloutEngine;
import io.tinyfleet.server.rollout.RolloutState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Issue 7 targets. (1) OTA transfer of a ~20 MB artifact through the embedded broker to one real
 * agent (signed manifest, chunk requests, per-chunk hashes, bitmap) against a plain Paho publish
 * loop of the same chunks, same QoS 1, same in-flight limit, through the same broker, in one run
 * (5 alternating rounds, median ratio). The loop runs twice per round: with Paho's default
 * sockets (the target's baseline) and with TCP_NODELAY, the socket setting the OTA clients use, so
 * the gain from that setting is not mistaken for a gain of the protocol.
 * (2) 50 real agents (Paho sessions in this JVM) receive a ~1 MB model in one rollout: time from
 * the deploy call until every device is ACTIVE (health check included).
 */
public final class OtaSuite implements BenchSuite {

    /** Deployments already measured (their late statuses are ignored by later listeners). */
    private static final java.util.Set<String> FINISHED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public String name() {
        return "ota";
    }

    @Override
    public String description() {
        return "OTA transfer MB/s vs a plain Paho loop (20 MB); 50 agents to ACTIVE in one rollout (1 MB)";
    }

    /** A valid model padded with an incompressible unused initializer of {@code bytes} random bytes. */
    static OnnxModel paddedModel(int bytes, long seed) {
        byte[] pad = new byte[bytes];
        new Random(seed).nextBytes(pad);
        return new GraphBuilder("ota-bench", 17)
                .input("x", DataType.FLOAT, 1, 4)
                .initializer(Tensors.bytes("pad", DataType.UINT8, new long[] {bytes}, pad))
                .node("relu", "Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 4)
                .build();
    }

    @Override
    public Map<String, Object> run(BenchOptions o) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        int mb = o.quick() ? 5 : 20;
        int agents = o.quick() ? 10 : 50;
        int chunk = 256 * 1024;
        int window = 8;
        Path home = Files.createDirectories(o.workDir().resolve("controller-" + UUID.randomUUID().toString().substring(0, 6)));
        try (ControllerServer server = ControllerServer.start(ControllerOptions.of(0, 0, home).withProperties(Map.of(
                "tinyfleet.ota.chunk-size", chunk, "tinyfleet.ota.max-in-flight", window,
                "tinyfleet.ota.tick-interval", "100ms")))) {
            ArtifactStore store = server.context().getBean(ArtifactStore.class);
            DeploymentService deploy = server.context().getBean(DeploymentService.class);
            RolloutEngine engine = server.context().getBean(RolloutEngine.class);
            Path pub = server.context().getBean(ControllerKeys.class).publicKeyFile();

            // (1) one agent, 20 MB
            ModelRecord big = store.store(paddedModel(mb * 1024 * 1024, o.seed()).toBytes(), "bench-" + mb + "mb", null, "bench");
            Path agentHome = Files.createDirectories(o.workDir().resolve("agent-" + UUID.randomUUID().toString().substring(0, 6)));
            ControllerKeyPin.pin(agentHome, pub);
            Map<String, Object> transfer = new LinkedHashMap<>();
            try (Agent a = startAgent(server.brokerUrl(), "bench-1", agentHome)) {
                OtaAgent ota = a.ota().orElseThrow();
                // warm-up: one small OTA transfer and one small plain loop, so neither side pays JIT start-up
                ModelRecord warm = store.store(paddedModel(1024 * 1024, o.seed() + 7).toBytes(), "bench-warmup", null, "bench");
                transferOnce(deploy, ota, warm);
                plainPahoLoop(server.brokerUrl(), store.artifact(warm), chunk, window);

                // Alternating rounds (OTA, then the plain loop, each a fresh 20 MB model/topic): one
                // transfer lasts about half a second, so a single pair swings with whatever else the
                // shared machine runs; the reported ratio is the median of the per-round ratios. CPU
                // milliseconds per MB (the whole JVM: broker, controller, agent) tell the protocol's
                // cost apart from the machine's load.
                int rounds = o.quick() ? 1 : 7;
                List<Map<String, Object>> perRound = new ArrayList<>();
                List<Double> ratios = new ArrayList<>();
                List<Double> ratiosNoDelay = new ArrayList<>();
                List<Double> cpuOta = new ArrayList<>();
                List<Double> cpuPlainPerMB = new ArrayList<>();
                Map<String, Object> t = null;
                double otaSum = 0;
                double plainSum = 0;
                // every round's model is made before the first round, and each phase starts from a
                // collected heap, so neither phase pays for garbage the bench itself left behind
                List<ModelRecord> models = new ArrayList<>();
                for (int k = 0; k < rounds; k++) {
                    models.add(k == 0 ? big : store.store(paddedModel(mb * 1024 * 1024, o.seed() + 100 + k).toBytes(),
                            "bench-" + mb + "mb-" + k, null, "bench"));
                }
                for (ModelRecord m : models) {
                    byte[] art = store.artifact(m);
                    System.gc();
                    long[] gc0 = gcCountAndMs();
                    t = transferOnce(deploy, ota, m);
                    long[] gc1 = gcCountAndMs();
                    System.gc();
                    long[] gc1b = gcCountAndMs();
                    long cpu0 = processCpuNanos();
                    double plainMBs = plainPahoLoop(server.brokerUrl(), art, chunk, window);
                    long cpuPlain = processCpuNanos() - cpu0;
                    long[] gc2 = gcCountAndMs();
                    System.gc();
                    double plainNdMBs = plainPahoLoop(server.brokerUrl(), art, chunk, window,
                            io.tinyfleet.proto.net.TcpNoDelaySocketFactory.INSTANCE);
                    double otaMBs = m.artifactBytes() / 1e6 / (double) t.get("downloadSeconds");
                    ratios.add(otaMBs / plainMBs);
                    ratiosNoDelay.add(otaMBs / plainNdMBs);
                    otaSum += otaMBs;
                    plainSum += plainMBs;
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("otaMBperS", round(otaMBs));
                    r.put("plainPahoMBperS", round(plainMBs));
                    r.put("ratio", round(otaMBs / plainMBs));
                    double otaCpu = (long) t.get("downloadCpuNanos") / 1e6 / (m.artifactBytes() / 1e6);
                    double plainCpu = cpuPlain / 1e6 / (art.length / 1e6);
                    cpuOta.add(otaCpu);
                    cpuPlainPerMB.add(plainCpu);
                    r.put("otaDownloadCpuMsPerMB", round(otaCpu));
                    r.put("plainCpuMsPerMB", round(plainCpu));
                    r.put("gcOta", gcDelta(gc0, gc1));
                    r.put("gcOtaDownload", t.get("downloadGc"));
                    r.put("gcPlain", gcDelta(gc1b, gc2));
                    r.put("plainNoDelayMBperS", round(plainNdMBs));
                    r.put("ratioToNoDelay", round(otaMBs / plainNdMBs));
                    perRound.add(r);
                }
                transfer.put("artifactBytes", big.artifactBytes());
                transfer.put("chunkBytes", chunk);
                transfer.put("inFlight", window);
                transfer.put("rounds", perRound);
                transfer.put("otaMBperS", round(otaSum / rounds));
                transfer.put("plainPahoMBperS", round(plainSum / rounds));
                transfer.put("ratio", round(median(ratios)));
                transfer.put("target", ">= 0.80 of the plain Paho loop (median of the rounds' ratios)");
                transfer.put("ratioToPlainNoDelay", round(median(ratiosNoDelay)));
                transfer.put("otaDownloadCpuMsPerMB", round(median(cpuOta)));
                transfer.put("plainCpuMsPerMB", round(median(cpuPlainPerMB)));
                transfer.put("otaDownloadSeconds", round((double) t.get("downloadSeconds")));
                transfer.put("deployCallToAllChunksSeconds", round((double) t.get("toVerifyingSeconds")));
                transfer.put("deployCallToActiveSeconds", round((double) t.get("toActiveSeconds")));
                transfer.put("timeline", t.get("timeline"));
                transfer.put("agentCounters", ota.counters());
                transfer.put("note", "otaMBperS = artifact bytes / (first DOWNLOADING status .. all chunks stored and "
                        + "hashed); plain loop = first publish .. last chunk received, Paho's default sockets (Nagle on); "
                        + "plainNoDelay = the same loop with TCP_NODELAY, the socket setting the OTA clients use; "
                        + "all after a 1 MB warm-up, every phase after System.gc(); cpuMsPerMB = CPU time of the "
                        + "whole JVM (broker, controller, agent) in the phase per MB; gcOta spans deploy .. ACTIVE, "
                        + "gcOtaDownload the download window; "
                        + "timeline, seconds and counters are the last round's");
            }
            out.put("transfer", transfer);

            // (2) a fleet of agents, 1 MB
            ModelRecord small = store.store(paddedModel(1024 * 1024, o.seed() + 1).toBytes(), "bench-1mb", null, "bench");
            List<Agent> fleet = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            Map<String, Object> rollout = new LinkedHashMap<>();
            try {
                long c0 = System.nanoTime();
                List<Future<Agent>> starting = new ArrayList<>();
                for (int i = 0; i < agents; i++) {
                    String id = String.format("sim-%03d", i);
                    Path h = Files.createDirectories(o.workDir().resolve("fleet").resolve(id + "-" + UUID.randomUUID().toString().substring(0, 4)));
                    ControllerKeyPin.pin(h, pub);
                    starting.add(pool.submit(() -> startAgent(server.brokerUrl(), id, h)));
                }
                List<String> ids = new ArrayList<>();
                for (Future<Agent> f : starting) {
                    Agent a = f.get(5, TimeUnit.MINUTES);
                    fleet.add(a);
                    ids.add(a.config().deviceId());
                }
                double connectS = (System.nanoTime() - c0) / 1e9;
                long t0 = System.nanoTime();
                Rollout r = deploy.deploy(new DeployRequest(small.id(), ids, "100%", null, null, null, null, null, 3));
                String state;
                do {
                    Thread.sleep(100);
                    state = engine.repository().find(r.id()).orElseThrow().state().name();
                } while (RolloutState.RUNNING.name().equals(state) && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(10));
                double allS = (System.nanoTime() - t0) / 1e9;
                long activeCount = engine.repository().devices(r.id()).stream().filter(d -> d.succeeded()).count();
                rollout.put("agents", agents);
                rollout.put("artifactBytes", small.artifactBytes());
                rollout.put("connectAllSeconds", round(connectS));
                rollout.put("rolloutState", state);
                rollout.put("active", activeCount);
                rollout.put("timeToAllActiveSeconds", round(allS));
                rollout.put("aggregateMBperS", round(small.artifactBytes() * (double) agents / 1e6 / allS));
            } finally {
                pool.shutdownNow();
                fleet.parallelStream().forEach(Agent::close);
            }
            out.put("fleetRollout", rollout);
        }
        return out;
    }

    /** Deploys {@code m} to the agent and times it: download phase, to VERIFYING and to ACTIVE, plus the status timeline. */
    private static Map<String, Object> transferOnce(DeploymentService deploy, OtaAgent ota, ModelRecord m)
            throws InterruptedException {
        CountDownLatch verifying = new CountDownLatch(1);
        CountDownLatch active = new CountDownLatch(1);
        List<String> timeline = java.util.Collections.synchronizedList(new ArrayList<>());
        long[] firstDownload = new long[1];
        long[] cpuAt = new long[2];
        long[][] gcAt = new long[2][];
        long t0 = System.nanoTime();
        java.util.Set<String> before = new java.util.HashSet<>(FINISHED);
        ota.addStatusListener(s -> {
            if (before.contains(s.getDeploymentId()) || active.getCount() == 0) {
                return;
            }
            long now = System.nanoTime();
            timeline.add(String.format("%.3f s %s %d%%", (now - t0) / 1e9, s.getState(), s.getProgressPct()));
            if (s.getState() == DeploymentState.DOWNLOADING && firstDownload[0] == 0) {
                firstDownload[0] = now;
                cpuAt[0] = processCpuNanos();
                gcAt[0] = gcCountAndMs();
            }
            if (s.getState() == DeploymentState.VERIFYING) {
                cpuAt[1] = processCpuNanos();
                gcAt[1] = gcCountAndMs();
                verifying.countDown();
            }
            if (s.getState() == DeploymentState.ACTIVE || s.getState() == DeploymentState.ROLLED_BACK
                    || s.getState() == DeploymentState.REJECTED || s.getState() == DeploymentState.FAILED) {
                active.countDown();
            }
        });
        FINISHED.add(deploy.deploy(new DeployRequest(m.id(), List.of("bench-1"), "100%", null, null, null, null, null, 3)).id());
        if (!verifying.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("OTA transfer did not finish in 10 minutes");
        }
        long tVerify = System.nanoTime();
        active.await(5, TimeUnit.MINUTES);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("downloadSeconds", (tVerify - firstDownload[0]) / 1e9);
        r.put("downloadCpuNanos", cpuAt[1] - cpuAt[0]);
        r.put("downloadGc", gcDelta(gcAt[0], gcAt[1]));
        r.put("toVerifyingSeconds", (tVerify - t0) / 1e9);
        r.put("toActiveSeconds", (System.nanoTime() - t0) / 1e9);
        r.put("timeline", new ArrayList<>(timeline));
        return r;
    }

    private static Agent startAgent(String broker, String id, Path home) throws InterruptedException {
        Agent a = Agent.start(AgentConfig.load(null, Map.of(AgentConfig.BROKER, broker, AgentConfig.ID, id,
                AgentConfig.HOME, home.toString(), AgentConfig.HEARTBEAT_S, "30")));
        if (!a.awaitConnected(java.time.Duration.ofSeconds(60))) {
            a.close();
            throw new IllegalStateException("agent " + id + " did not connect to " + broker);
        }
        return a;
    }

    /** MB/s of publishing {@code data} in chunks, QoS 1, {@code window} in flight, until a subscriber has all. */
    static double plainPahoLoop(String broker, byte[] data, int chunk, int window) throws Exception {
        return plainPahoLoop(broker, data, chunk, window, null);
    }

    /** The same with the clients' sockets from {@code sockets} (null: Paho's default, Nagle on). */
    static double plainPahoLoop(String broker, byte[] data, int chunk, int window, javax.net.SocketFactory sockets)
            throws Exception {
        String topic = "bench/plain/" + UUID.randomUUID();
        MqttAsyncClient sub = new MqttAsyncClient(broker, "bench-sub-" + UUID.randomUUID().toString().substring(0, 6), new MemoryPersistence());
        MqttAsyncClient pub = new MqttAsyncClient(broker, "bench-pub-" + UUID.randomUUID().toString().substring(0, 6), new MemoryPersistence());
        MqttConnectionOptions opts = new MqttConnectionOptions();
        opts.setCleanStart(true);
        if (sockets != null) {
            opts.setSocketFactory(sockets);
        }
        try {
            sub.connect(opts).waitForCompletion(10_000);
            pub.connect(opts).waitForCompletion(10_000);
            int chunks = (data.length + chunk - 1) / chunk;
            CountDownLatch all = new CountDownLatch(chunks);
            AtomicLong bytes = new AtomicLong();
            MqttProperties props = new MqttProperties();
            props.setSubscriptionIdentifiers(List.of(0));
            sub.subscribe(new MqttSubscription(topic, 1), null, null, (t, m) -> {
                bytes.addAndGet(m.getPayload().length);
                all.countDown();
            }, props).waitForCompletion(10_000);
            Semaphore inFlight = new Semaphore(window);
            long t0 = System.nanoTime();
            for (int i = 0; i < chunks; i++) {
                int off = i * chunk;
                byte[] c = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + chunk));
                MqttMessage m = new MqttMessage(c);
                m.setQos(1);
                inFlight.acquire();
                pub.publish(topic, m, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken t) {
                        inFlight.release();
                    }

                    @Override
                    public void onFailure(IMqttToken t, Throwable e) {
                        inFlight.release();
                    }
                });
            }
            if (!all.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("plain Paho loop did not deliver every chunk");
            }
            return bytes.get() / 1e6 / ((System.nanoTime() - t0) / 1e9);
        } finally {
            for (MqttAsyncClient c : List.of(sub, pub)) {
                try {
                    c.disconnect(500).waitForCompletion(1000);
                    c.close(true);
                } catch (Exception ignored) {
                    // bench teardown
                }
            }
        }
    }

    /** The middle value (upper middle for an even count). */
    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Collections and milliseconds between two {@link #gcCountAndMs} readings, as text. */
    private static String gcDelta(long[] from, long[] to) {
        return (to[0] - from[0]) + " collections, " + (to[1] - from[1]) + " ms";
    }

    /** CPU time of this whole JVM (broker, controller, agent and bench threads) so far. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Collections and their total milliseconds so far, all collectors (to tell GC noise apart). */
    private static long[] gcCountAndMs() {
        long n = 0;
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory
                .getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[] {n, ms};
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
