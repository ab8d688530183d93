package io.tinyfleet.agent.ota;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.sign.ManifestVerifier;
import io.tinyfleet.proto.sign.SignatureRejectedException;
import io.tinyfleet.proto.v1.Chunk;
import io.tinyfleet.proto.v1.ChunkRequest;
import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.proto.v1.DesiredState;
import io.tinyfleet.proto.v1.HealthReport;
import io.tinyfleet.proto.v1.ModelBundle;
import io.tinyfleet.proto.v1.SignedManifest;
import io.tinyfleet.proto.v1.Slot;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.ModelRuntime;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's deployment receiver. A {@code DesiredState} (retained on the device's
 * {@code desired} topic) carries a signed manifest; the receiver verifies it with the pinned key,
 * downloads the artifact chunk by chunk (MQTT 5 requests with response topic and correlation
 * data, each naming several chunks, a window of chunks in flight, time-outs re-requested),
 * checks every chunk and the whole artifact against the manifest, installs into the inactive
 * slot, runs the health check and switches atomically, or rolls back. Each step is reported as a {@code DeploymentStatus}
 * (progress every {@link Options#progressStepPct()} percent).
 *
 * <p>Everything runs on one thread; MQTT callbacks only hand messages over. The download folder
 * ({@code HOME/ota/download}) keeps the signed manifest, the part file and its bitmap, so an agent
 * or broker restart resumes where it stopped. The last terminal status is kept in
 * {@code HOME/ota/last-status.bin}, so a retained desired state that already failed is not retried.
 */
public final class OtaAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OtaAgent.class);

    /** Largest model the agent accepts after decompression. */
    public static final long MAX_MODEL_BYTES = 1L << 30;

    /**
     * Receiver settings.
     *
     * @param window          chunk requests in flight (Paho's and the broker's in-flight limits must allow it)
     * @param chunkTimeout    a request not answered within this is sent again
     * @param progressStepPct report DOWNLOADING progress every this many percent
     * @param maxBadPerChunk  a chunk that arrives corrupt this many times rejects the artifact
     *                        (the controller's copy no longer matches the signed manifest)
     */
    public record Options(int window, Duration chunkTimeout, int progressStepPct, int maxBadPerChunk) {

        /** Chunks one request names at least (unless fewer remain): a quarter of the window. */
        public int batch() {
            return Math.max(1, window / 4);
        }

        public Options {
            if (maxBadPerChunk < 1) {
                throw new IllegalArgumentException("ota max bad copies per chunk must be >= 1, got " + maxBadPerChunk);
            }
            if (window < 1 || window > 1000) {
                throw new IllegalArgumentException("ota window must be 1..1000, got " + window);
            }
            if (chunkTimeout.isNegative() || chunkTimeout.isZero()) {
                throw new IllegalArgumentException("ota chunk timeout must be positive");
            }
            if (progressStepPct < 1 || progressStepPct > 100) {
                throw new IllegalArgumentException("ota progress step must be 1..100 %, got " + progressStepPct);
            }
        }

        /**
         * 32 chunks requested ahead, 5 s time-out, progress every 5 %, 5 corrupt copies of one chunk
         * reject the artifact. Requests name {@link #batch()} (8) chunks each: the window is topped up
         * once a quarter of it has arrived, so a 20 MB artifact in 256 KiB chunks takes 8 requests
         * instead of 81. The controller still has at most 8 chunk publishes unacknowledged (the same
         * in-flight limit as the bench's plain Paho loop); the lookahead hides the request round
         * trip (agent, broker, controller, broker). That trip was mostly Nagle's algorithm, not the
         * window: see {@link io.tinyfleet.proto.net.TcpNoDelaySocketFactory}. Costs at most
         * 32 x 256 KiB queued at the broker for this device.
         */
        public static Options defaults() {
            return new Options(32, Duration.ofSeconds(5), 5, 5);
        }

        /** The same with another window. */
        public Options withWindow(int w) {
            return new Options(w, chunkTimeout, progressStepPct, maxBadPerChunk);
        }

        /** The same with another time-out. */
        public Options withChunkTimeout(Duration t) {
            return new Options(window, t, progressStepPct, maxBadPerChunk);
        }
    }

    /** Points where tests simulate a crash (power loss) of the agent. */
    public enum Step { CHUNK_STORED, BEFORE_INSTALL, SLOT_WRITTEN, BEFORE_ACTIVATE, ACTIVATED }

    /** Thrown by a crash hook: the agent stops on the spot, as if the process died. */
    public static final class SimulatedCrash extends RuntimeException {
        public SimulatedCrash(String step) {
            super("simulated crash at " + step);
        }
    }

    private final String deviceId;
    private final Path otaDir;
    private final ManifestVerifier verifier;
    private final OtaTransport transport;
    private final SlotManager slots;
    private final ServingModel serving;
    private final HealthChecker checker;
    private final RuntimeOptions runtimeOptions;
    private final Options options;
    private final ScheduledExecutorService exec;
    private final AtomicLong seq = new AtomicLong();
    private final CopyOnWriteArrayList<Consumer<DeploymentStatus>> listeners = new CopyOnWriteArrayList<>();
    private volatile Consumer<Step> crashHook = s -> { };
    private volatile boolean dead;

    // owned by the executor thread
    private Download current;
    private long corruptChunks;
    private long duplicateChunks;
    private long requestsSent;
    private boolean retryScheduled;

    private static final class Download {
        final DeploymentManifest manifest;
        final ChunkStore store;
        final Map<Integer, Long> inFlight = new LinkedHashMap<>();
        final Map<Integer, Integer> bad = new java.util.HashMap<>();
        int lastPct = -1;

        Download(DeploymentManifest manifest, ChunkStore store) {
            this.manifest = manifest;
            this.store = store;
        }
    }

    /**
     * @param deviceId       this device
     * @param home           the agent's home folder (slots under {@code slots/}, downloads under {@code ota/})
     * @param verifier       verifies manifests with the pinned controller key
     * @param transport      the MQTT connection
     * @param runtimeOptions how models are opened on this device
     * @param options        window, time-out, progress step
     */
    public OtaAgent(String deviceId, Path home, ManifestVerifier verifier, OtaTransport transport,
                    RuntimeOptions runtimeOptions, Options options) throws IOException {
        this.deviceId = Topics.requireDeviceId(deviceId);
        this.otaDir = Files.createDirectories(home.resolve("ota"));
        this.verifier = verifier;
        this.transport = transport;
        this.slots = new SlotManager(home.resolve("slots"));
        this.serving = new ServingModel();
        this.runtimeOptions = runtimeOptions;
        this.checker = new HealthChecker(runtimeOptions);
        this.options = options;
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tinyfleet-ota-" + deviceId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Attaches OTA to the agent's MQTT session when a controller key is pinned in {@code home}:
     * subscribes on every new session, resumes downloads, serves the active slot's model.
     *
     * @return empty (and a log line) when no key is pinned: the agent then refuses every deployment
     */
    public static java.util.Optional<OtaAgent> attach(String deviceId, Path home,
                                                      io.tinyfleet.agent.mqtt.FleetSession session,
                                                      RuntimeOptions runtimeOptions) throws IOException {
        java.util.Optional<java.security.PublicKey> key = ControllerKeyPin.pinned(home);
        if (key.isEmpty()) {
            LOG.warn("agent {}: no controller key pinned in {} (start once with --controller-key FILE); "
                    + "over-the-air deployment is off", deviceId, ControllerKeyPin.file(home));
            return java.util.Optional.empty();
        }
        OtaAgent a = new OtaAgent(deviceId, home, new ManifestVerifier(key.get()),
                new PahoOtaTransport(session.client()), runtimeOptions, Options.defaults());
        a.start();
        session.onSessionUp(a::onConnected);
        return java.util.Optional.of(a);
    }

    /** Loads the active slot's model and any interrupted download; call {@link #onConnected()} once connected. */
    public void start() {
        run(this::restore);
        long tick = Math.max(50, options.chunkTimeout().toMillis() / 2);
        exec.scheduleWithFixedDelay(() -> guarded(this::retryTimedOut), tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Subscribes and resumes; call after every (re)connection of the MQTT session. */
    public void onConnected() {
        run(() -> {
            transport.subscribe(Topics.device(deviceId, Topics.Kind.DESIRED),
                    (t, p, c) -> run(() -> onDesired(p)));
            transport.subscribe(Topics.device(deviceId, Topics.Kind.CHUNK),
                    (t, p, c) -> run(() -> onChunk(p)));
            if (current != null) {
                current.inFlight.clear();
                if (current.store.isComplete()) {
                    finish();
                } else {
                    requestMissing();
                }
            }
        });
    }

    /** Receives every status this agent reports (also when it cannot be published). */
    public void addStatusListener(Consumer<DeploymentStatus> l) {
        listeners.add(l);
    }

    /** For tests: called at each {@link Step}; throw {@link SimulatedCrash} to crash there. */
    public void setCrashHook(Consumer<Step> hook) {
        this.crashHook = hook;
    }

    /** The model this device serves. */
    public ServingModel serving() {
        return serving;
    }

    /** The A/B slots. */
    public SlotManager slots() {
        return slots;
    }

    /** Whether the agent died (simulated crash) or was closed. */
    public boolean isDead() {
        return dead;
    }

    /** Counters for diagnostics and the bench: corrupt and duplicate chunks seen, requests sent. */
    public Map<String, Long> counters() {
        return Map.of("corruptChunks", corruptChunks, "duplicateChunks", duplicateChunks, "chunkRequests", requestsSent);
    }

    // ------------------------------------------------------------------ steps

    private void restore() throws IOException {
        Optional<SlotManager.SlotInfo> active = slots.active();
        if (active.isPresent()) {
            try {
                OnnxModel m = OnnxModel.load(active.get().modelFile());
                serving.swap(ModelRuntime.open(m, runtimeOptions), active.get().modelId());
            } catch (RuntimeException e) {
                LOG.error("agent {}: active model in slot {} does not load: {}", deviceId,
                        SlotManager.name(active.get().slot()), e.getMessage());
            }
        }
        Path manifestFile = downloadDir().resolve("manifest.bin");
        if (Files.exists(manifestFile)) {
            try {
                DeploymentManifest m = verifier.verify(SignedManifest.parseFrom(Files.readAllBytes(manifestFile)));
                if (active.isPresent() && active.get().deploymentId().equals(m.getDeploymentId())) {
                    deleteDownload(); // it became active just before a crash
                } else {
                    current = new Download(m, ChunkStore.open(m, downloadDir()));
                    LOG.info("agent {}: resuming deployment {} ({}/{} chunks on disk)", deviceId,
                            m.getDeploymentId(), current.store.presentCount(), current.store.chunkCount());
                }
            } catch (SignatureRejectedException | InvalidProtocolBufferException e) {
                LOG.warn("agent {}: discarding interrupted download: {}", deviceId, e.getMessage());
                deleteDownload();
            }
        }
    }

    private void onDesired(byte[] payload) throws IOException {
        DesiredState ds;
        try {
            ds = DesiredState.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            report(status("", DeploymentState.REJECTED).setCode("malformed_desired_state")
                    .setDetail("desired state is not a DesiredState message: " + e.getMessage()));
            return;
        }
        if (!ds.hasManifest()) {
            return;
        }
        DeploymentManifest m;
        try {
            m = verifier.verify(ds.getManifest());
        } catch (SignatureRejectedException e) {
            String id = unverifiedId(ds.getManifest());
            LOG.warn("agent {}: refused deployment {}: {}", deviceId, id, e.getMessage());
            DeploymentStatus.Builder s = status(id, DeploymentState.REJECTED).setCode(e.code()).setDetail(e.getMessage());
            report(s);
            remember(s);
            return;
        }
        String id = m.getDeploymentId();
        Optional<SlotManager.SlotInfo> active = slots.active();
        if (active.isPresent() && active.get().deploymentId().equals(id)) {
            report(status(id, DeploymentState.ACTIVE).setProgressPct(100).setDetail("already active"));
            return;
        }
        Optional<DeploymentStatus> last = lastTerminal();
        if (last.isPresent() && last.get().getDeploymentId().equals(id)) {
            report(last.get().toBuilder());
            return;
        }
        if (current != null && current.manifest.getDeploymentId().equals(id)) {
            requestMissing();
            return;
        }
        if (current != null) {
            LOG.info("agent {}: deployment {} superseded by {}", deviceId, current.manifest.getDeploymentId(), id);
            abandon();
        }
        deleteDownload();
        Files.createDirectories(downloadDir());
        Path mf = downloadDir().resolve("manifest.bin");
        Files.write(mf, ds.getManifest().toByteArray());
        current = new Download(m, ChunkStore.open(m, downloadDir()));
        report(status(id, DeploymentState.QUEUED));
        progress();
        requestMissing();
    }

    private void onChunk(byte[] payload) throws IOException {
        Chunk c;
        try {
            // aliasing: the chunk's data is a view of the MQTT payload, hashed and written without a copy
            com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(payload);
            in.enableAliasing(true);
            c = Chunk.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            corruptChunks++;
            return; // a mangled message: the request times out and is sent again
        }
        Download d = current;
        if (d == null || !d.manifest.getDeploymentId().equals(c.getDeploymentId())) {
            return;
        }
        if (!c.getError().isEmpty()) {
            fail(d, DeploymentState.FAILED, "controller_refused", "controller cannot serve chunk " + c.getIndex()
                    + ": " + c.getError());
            return;
        }
        d.inFlight.remove(c.getIndex());
        switch (d.store.put(c.getIndex(), c.getData())) {
            case CORRUPT -> {
                corruptChunks++;
                if (d.bad.merge(c.getIndex(), 1, Integer::sum) >= options.maxBadPerChunk()) {
                    fail(d, DeploymentState.REJECTED, "chunk_hash_mismatch", "chunk " + c.getIndex() + " arrived "
                            + options.maxBadPerChunk() + " times with a sha256 that differs from the signed manifest");
                    return;
                }
            }
            case DUPLICATE -> duplicateChunks++;
            case STORED -> crash(Step.CHUNK_STORED);
        }
        progress();
        if (d.store.isComplete()) {
            finish();
        } else {
            requestMissing();
        }
    }

    private void requestMissing() throws IOException {
        requestMissing(false);
    }

    /** Requests missing chunks up to the window; in batches unless {@code now} (after a time-out). */
    private void requestMissing(boolean now) throws IOException {
        Download d = current;
        if (d == null || d.store.isComplete()) {
            return;
        }
        int free = options.window() - d.inFlight.size();
        if (free <= 0) {
            return;
        }
        java.util.List<Integer> want = new java.util.ArrayList<>();
        for (int i : d.store.missing()) {
            if (want.size() >= free) {
                break;
            }
            if (!d.inFlight.containsKey(i)) {
                want.add(i);
            }
        }
        boolean allAsked = want.size() < free;
        if (want.isEmpty() || (!now && want.size() < options.batch() && !allAsked && !d.inFlight.isEmpty())) {
            return; // top the window up in batches: one request names several chunks
        }
        long sentNs = System.nanoTime();
        byte[] req = ChunkRequest.newBuilder().setDeploymentId(d.manifest.getDeploymentId()).addAllIndices(want)
                .build().toByteArray();
        for (int i : want) {
            d.inFlight.put(i, sentNs);
        }
        requestsSent++;
        try {
            transport.request(Topics.device(deviceId, Topics.Kind.CHUNK_REQUEST), req,
                    Topics.device(deviceId, Topics.Kind.CHUNK),
                    (d.manifest.getDeploymentId() + "/" + want.get(0) + "+" + want.size()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.debug("agent {}: chunk request {} not sent: {}", deviceId, want, e.getMessage());
            for (int i : want) {
                d.inFlight.remove(i);
            }
            if (!retryScheduled) {
                retryScheduled = true;  // client busy or disconnected: try again shortly
                exec.schedule(() -> guarded(() -> {
                    retryScheduled = false;
                    requestMissing();
                }), 100, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void retryTimedOut() throws IOException {
        Download d = current;
        if (d == null || d.store.isComplete()) {
            return;
        }
        long limit = System.nanoTime() - options.chunkTimeout().toNanos();
        boolean expired = d.inFlight.values().removeIf(t -> t < limit);
        if (expired || d.inFlight.isEmpty()) {
            requestMissing(true);
        }
    }

    private void finish() throws IOException {
        Download d = current;
        DeploymentManifest m = d.manifest;
        String id = m.getDeploymentId();
        report(status(id, DeploymentState.VERIFYING).setProgressPct(100));
        String sha = d.store.sha256Hex();
        if (!sha.equals(m.getArtifactSha256())) {
            if (d.store.revalidate() > 0) {
                requestMissing(); // a chunk went bad on disk: fetch it again
                return;
            }
            fail(d, DeploymentState.REJECTED, "artifact_hash_mismatch", "artifact sha256 " + sha
                    + " differs from the signed manifest's " + m.getArtifactSha256());
            return;
        }
        byte[] modelBytes;
        ModelBundle bundle;
        OnnxModel model;
        try {
            byte[] compressed = Files.readAllBytes(d.store.partFile());
            long size = "zstd".equals(m.getCompression()) || m.getCompression().isEmpty()
                    ? Zstd.getFrameContentSize(compressed) : -1;
            if (size <= 0 || size > MAX_MODEL_BYTES) {
                throw new IllegalArgumentException("artifact is not a zstd frame with a known size below "
                        + MAX_MODEL_BYTES + " bytes (compression '" + m.getCompression() + "')");
            }
            bundle = ModelBundle.parseFrom(Zstd.decompress(compressed, (int) size));
            modelBytes = bundle.getModel().toByteArray();
            model = OnnxModel.parse(modelBytes, "deployment " + id);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            fail(d, DeploymentState.REJECTED, "artifact_malformed", "artifact does not unpack to a model: "
                    + e.getMessage());
            return;
        }
        if (!model.sha256().equals(m.getModelId())) {
            fail(d, DeploymentState.REJECTED, "model_hash_mismatch", "model sha256 " + model.sha256()
                    + " differs from the manifest's model id " + m.getModelId());
            return;
        }
        crash(Step.BEFORE_INSTALL);
        report(status(id, DeploymentState.INSTALLING).setProgressPct(100));
        Slot slot = slots.inactive();
        slots.install(slot, modelBytes, id, m.getModelId(), m.getModelVersion());
        crash(Step.SLOT_WRITTEN);
        report(status(id, DeploymentState.HEALTH_CHECK).setProgressPct(100));
        io.tinyfleet.runtime.data.EvalShard shard = null;
        if (!bundle.getEvalShardFile().isEmpty()) {
            // the runtime reads shards from files: keep it beside the download (deleted with it)
            Path shardFile = downloadDir().resolve("eval.tfshard");
            Files.write(shardFile, bundle.getEvalShardFile().toByteArray());
            try {
                shard = io.tinyfleet.runtime.data.EvalShard.read(shardFile);
            } catch (IllegalArgumentException e) {
                fail(d, DeploymentState.ROLLED_BACK, "eval_shard_malformed", "the bundle's eval shard is unreadable: "
                        + e.getMessage());
                return;
            }
        }
        HealthChecker.Outcome o = checker.check(model, m.getHealthCheck(), shard);
        if (!o.passed()) {
            LOG.warn("agent {}: deployment {} failed its health check ({}): {}; keeping {}", deviceId, id,
                    o.code(), o.detail(), serving.modelId().orElse("no model"));
            fail(d, DeploymentState.ROLLED_BACK, o.code(), o.detail(), o.report());
            return;
        }
        try {
            crash(Step.BEFORE_ACTIVATE);
            slots.activate(slot);
            crash(Step.ACTIVATED);
        } catch (RuntimeException | IOException e) {
            o.runtime().close();
            throw e;
        }
        serving.swap(o.runtime(), m.getModelId());
        DeploymentStatus.Builder s = status(id, DeploymentState.ACTIVE).setProgressPct(100).setHealth(o.report())
                .setDetail("slot " + SlotManager.name(slot));
        d.store.close();
        current = null;
        deleteDownload();
        remember(s);
        report(s);
        LOG.info("agent {}: deployment {} active in slot {}", deviceId, id, SlotManager.name(slot));
    }

    private void progress() {
        Download d = current;
        int pct = (int) (100L * d.store.presentCount() / d.store.chunkCount());
        if (d.lastPct < 0 || pct >= d.lastPct + options.progressStepPct() || (pct == 100 && d.lastPct != 100)) {
            d.lastPct = pct;
            report(status(d.manifest.getDeploymentId(), DeploymentState.DOWNLOADING).setProgressPct(pct));
        }
    }

    private void fail(Download d, DeploymentState state, String code, String detail) throws IOException {
        fail(d, state, code, detail, null);
    }

    private void fail(Download d, DeploymentState state, String code, String detail, HealthReport health)
            throws IOException {
        DeploymentStatus.Builder s = status(d.manifest.getDeploymentId(), state).setCode(code).setDetail(detail);
        if (health != null) {
            s.setHealth(health);
        }
        abandon();
        remember(s);
        report(s);
    }

    private void abandon() throws IOException {
        if (current != null) {
            current.store.close();
            current = null;
        }
        deleteDownload();
    }

    // ------------------------------------------------------------------ helpers

    private DeploymentStatus.Builder status(String deploymentId, DeploymentState state) {
        return DeploymentStatus.newBuilder().setDeploymentId(deploymentId).setDeviceId(deviceId).setState(state)
                .setActiveModelId(serving.modelId().orElse(""));
    }

    private void report(DeploymentStatus.Builder b) {
        DeploymentStatus s = b.setTimestampMs(System.currentTimeMillis()).setSeq(seq.incrementAndGet())
                .setActiveModelId(serving.modelId().orElse("")).build();
        for (Consumer<DeploymentStatus> l : listeners) {
            l.accept(s);
        }
        try {
            transport.publish(Topics.device(deviceId, Topics.Kind.OTA_STATUS), s.toByteArray(), 1, false);
        } catch (IOException e) {
            LOG.debug("agent {}: status {} not published: {}", deviceId, s.getState(), e.getMessage());
        }
    }

    private void remember(DeploymentStatus.Builder s) throws IOException {
        Path tmp = otaDir.resolve("last-status.bin.tmp");
        Files.write(tmp, s.build().toByteArray());
        Files.move(tmp, otaDir.resolve("last-status.bin"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Optional<DeploymentStatus> lastTerminal() throws IOException {
        Path p = otaDir.resolve("last-status.bin");
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        return Optional.of(DeploymentStatus.parseFrom(Files.readAllBytes(p)));
    }

    private static String unverifiedId(SignedManifest sm) {
        try {
            return DeploymentManifest.parseFrom(sm.getManifest()).getDeploymentId();
        } catch (InvalidProtocolBufferException e) {
            return "";
        }
    }

    private Path downloadDir() {
        return otaDir.resolve("download");
    }

    private void deleteDownload() throws IOException {
        Path dir = downloadDir();
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void crash(Step step) {
        crashHook.accept(step);
    }

    private interface Work {
        void run() throws Exception;
    }

    private void run(Work w) {
        if (dead) {
            return;
        }
        try {
            exec.execute(() -> guarded(w));
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // stopped
        }
    }

    private void guarded(Work w) {
        if (dead) {
            return;
        }
        try {
            w.run();
        } catch (SimulatedCrash c) {
            LOG.warn("agent {}: {}", deviceId, c.getMessage());
            kill();
        } catch (Exception e) {
            LOG.error("agent {}: deployment step failed: {}", deviceId, e.toString(), e);
            Download d = current;
            if (d != null) {
                try {
                    fail(d, DeploymentState.FAILED, "agent_error", e.getClass().getSimpleName() + ": " + e.getMessage());
                } catch (IOException io) {
                    LOG.error("agent {}: cannot record failure: {}", deviceId, io.toString());
                }
            }
        }
    }

    /** Stops at once, leaving files as they are (a crash). The serving model is closed to free native memory. */
    public void kill() {
        dead = true;
        exec.shutdownNow();
        Download d = current;
        if (d != null) {
            try {
                d.store.close();
            } catch (IOException ignored) {
                // dying
            }
        }
        serving.close();
    }

    /** Stops taking work, waits for the current step, closes the model. */
    @Override
    public void close() {
        if (dead) {
            return;
        }
        dead = true;
        exec.shutdown();
        try {
            exec.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exec.shutdownNow();
        Download d = current;
        if (d != null) {
            try {
                d.store.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        serving.close();
    }

    /** Byte helper for tests and the controller: the raw sha256 of a chunk. */
    public static ByteString chunkHash(byte[] chunk) {
        return ByteString.copyFrom(ChunkStore.sha256(chunk, chunk.length));
    }
}
