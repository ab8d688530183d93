package io.tinyfleet.server.rollout;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.proto.v1.SignedManifest;
import io.tinyfleet.server.rollout.condition.AccuracyGateCondition;
import io.tinyfleet.server.rollout.condition.ErrorThresholdCondition;
import io.tinyfleet.server.rollout.condition.LatencyGateCondition;
import io.tinyfleet.server.rollout.condition.RolloutCondition;
import io.tinyfleet.server.rollout.condition.SuccessThresholdCondition;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives rollouts (after hawkBit's {@code RolloutHandler}): {@link #create} stores the rollout and
 * sends the first wave; {@link #onStatus} records what devices report; {@link #handleAll()}, called
 * on a timer (and directly by tests), evaluates the pause conditions (error threshold, latency and
 * accuracy gates), then the success condition to start the next wave, then finishes the rollout
 * when every target is final. All state is in the database, so after a controller restart the next
 * tick continues from there.
 */
public final class RolloutEngine {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutEngine.class);

    private final RolloutRepository repo;
    private final DesiredStatePublisher publisher;
    private final Clock clock;
    private final List<RolloutCondition> pauseConditions = List.of(
            new ErrorThresholdCondition(), new LatencyGateCondition(), new AccuracyGateCondition());
    private final RolloutCondition advance = new SuccessThresholdCondition();

    public RolloutEngine(RolloutRepository repo, DesiredStatePublisher publisher, Clock clock) {
        this.repo = repo;
        this.publisher = publisher;
        this.clock = clock;
    }

    /** The repository (read side for the API). */
    public RolloutRepository repository() {
        return repo;
    }

    /**
     * Stores a new rollout and sends its first wave.
     *
     * @throws IllegalArgumentException for an empty or duplicated target list or bad thresholds
     */
    public synchronized Rollout create(String id, String modelId, SignedManifest manifest, List<String> targets,
                                       WavePlan waves, double successPct, double errorPct, double maxP95Ms,
                                       double minAccuracy) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a rollout needs at least one target device");
        }
        if (new LinkedHashSet<>(targets).size() != targets.size()) {
            throw new IllegalArgumentException("target devices are listed twice: " + targets);
        }
        if (successPct <= 0 || successPct > 100) {
            throw new IllegalArgumentException("success threshold must be in (0, 100] %, got " + successPct);
        }
        if (errorPct <= 0 || errorPct > 100) {
            throw new IllegalArgumentException("error threshold must be in (0, 100] %, got " + errorPct);
        }
        long now = clock.millis();
        Rollout r = new Rollout(id, modelId, RolloutState.RUNNING, "", List.copyOf(targets), waves, 0, successPct,
                errorPct, maxP95Ms, minAccuracy, 0, 0, Base64.getEncoder().encodeToString(manifest.toByteArray()), now, now);
        List<Integer> cum = waves.cumulative(targets.size());
        List<DeviceDeployment> devices = new ArrayList<>();
        int wave = 0;
        for (int i = 0; i < targets.size(); i++) {
            while (i >= cum.get(wave)) {
                wave++;
            }
            devices.add(new DeviceDeployment(id, targets.get(i), wave, DeviceDeployment.PENDING, 0, "", "", -1, -1,
                    "", 0, 0, now));
        }
        repo.insert(r, devices);
        sendWave(r, 0);
        LOG.info("rollout {}: model {} to {} devices in waves {}", id, modelId, targets.size(), cum);
        return r;
    }

    /** Records a device's status; returns false when it belongs to no rollout or is stale. */
    public synchronized boolean onStatus(DeploymentStatus s) {
        Optional<DeviceDeployment> row = repo.device(s.getDeploymentId(), s.getDeviceId());
        if (row.isEmpty()) {
            return false;
        }
        DeviceDeployment d = row.get();
        if (s.getTimestampMs() < d.statusTs() || s.getState() == DeploymentState.DEPLOYMENT_STATE_UNSPECIFIED
                || s.getState() == DeploymentState.UNRECOGNIZED) {
            return false;
        }
        if (d.terminal() && !isTerminal(s.getState()) && s.getTimestampMs() - d.statusTs() < 1000) {
            return false; // a late progress message after the final one
        }
        double p95 = s.hasHealth() && s.getHealth().getP95Ms() > 0 ? s.getHealth().getP95Ms() : d.p95Ms();
        double acc = s.hasHealth() && s.getHealth().getAccuracy() >= 0 && s.getHealth().getEvalSamples() > 0
                ? s.getHealth().getAccuracy() : d.accuracy();
        repo.update(new DeviceDeployment(d.rolloutId(), d.deviceId(), d.wave(), s.getState().name(),
                s.getProgressPct(), s.getCode(), s.getDetail(), p95, acc, s.getActiveModelId(), s.getTimestampMs(),
                d.sentMs() == 0 ? clock.millis() : d.sentMs(), clock.millis()));
        return true;
    }

    /** One tick over every running rollout. */
    public synchronized void handleAll() {
        for (Rollout r : repo.inState(RolloutState.RUNNING)) {
            try {
                handle(r);
            } catch (RuntimeException e) {
                LOG.error("rollout {}: tick failed: {}", r.id(), e.toString(), e);
            }
        }
    }

    private void handle(Rollout r) {
        List<DeviceDeployment> all = repo.devices(r.id());
        List<DeviceDeployment> sent = all.stream().filter(d -> d.wave() <= r.currentWave()).toList();
        List<DeviceDeployment> wave = all.stream().filter(d -> d.wave() == r.currentWave()).toList();
        for (RolloutCondition c : pauseConditions) {
            Optional<String> why = c.evaluate(r, sent, wave);
            if (why.isPresent()) {
                repo.update(r.with(RolloutState.PAUSED, why.get(), clock.millis()));
                LOG.warn("rollout {} paused: {}", r.id(), why.get());
                return;
            }
        }
        int lastWave = all.stream().mapToInt(DeviceDeployment::wave).max().orElse(0);
        if (r.currentWave() < lastWave) {
            if (advance.evaluate(r, sent, wave).isPresent()) {
                sendWave(r, r.currentWave() + 1);
            } else if (wave.stream().allMatch(DeviceDeployment::terminal)) {
                long ok = wave.stream().filter(DeviceDeployment::succeeded).count();
                String why = String.format("wave %d finished with %d of %d devices active, below the success "
                        + "threshold of %.1f %%", r.currentWave() + 1, ok, wave.size(), r.successPct());
                repo.update(r.with(RolloutState.PAUSED, why, clock.millis()));
            }
            return;
        }
        if (all.stream().allMatch(DeviceDeployment::terminal)) {
            long ok = all.stream().filter(DeviceDeployment::succeeded).count();
            repo.update(r.with(RolloutState.FINISHED, ok + " of " + all.size() + " devices active", clock.millis()));
            LOG.info("rollout {} finished: {} of {} devices active", r.id(), ok, all.size());
        }
    }

    private void sendWave(Rollout r, int w) {
        SignedManifest m = manifest(r);
        long now = clock.millis();
        Rollout at = r.atWave(w, now);
        repo.update(at);
        for (DeviceDeployment d : repo.devices(r.id())) {
            if (d.wave() == w && d.sentMs() == 0) {
                publisher.publish(d.deviceId(), m);
                repo.update(new DeviceDeployment(d.rolloutId(), d.deviceId(), d.wave(),
                        DeviceDeployment.PENDING.equals(d.state()) ? DeploymentState.QUEUED.name() : d.state(),
                        d.progressPct(), d.code(), d.detail(), d.p95Ms(), d.accuracy(), d.activeModelId(), d.statusTs(),
                        now, now));
            }
        }
        LOG.info("rollout {}: wave {} sent", r.id(), w + 1);
    }

    /**
     * Publishes again the desired state of every device already sent by a rollout that is not
     * aborted, oldest rollout first so the newest wins: after a broker restart (an in-memory
     * broker forgets retained messages) devices still converge.
     */
    public synchronized int republishDesired() {
        List<Rollout> live = new ArrayList<>(repo.list());
        live.sort(java.util.Comparator.comparingLong(Rollout::createdMs));
        int n = 0;
        for (Rollout r : live) {
            if (r.state() == RolloutState.ABORTED) {
                continue;
            }
            SignedManifest m = manifest(r);
            for (DeviceDeployment d : repo.devices(r.id())) {
                if (d.sentMs() > 0) {
                    publisher.publish(d.deviceId(), m);
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Resumes a paused rollout; failures so far are accepted and not counted again.
     *
     * @throws IllegalArgumentException unknown id; IllegalStateException when it is not paused
     */
    public synchronized Rollout resume(String id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.PAUSED) {
            throw new IllegalStateException("rollout " + id + " is " + r.state() + ", only a PAUSED rollout resumes");
        }
        int failed = (int) repo.devices(id).stream().filter(d -> d.wave() <= r.currentWave())
                .filter(DeviceDeployment::failed).count();
        Rollout resumed = r.resumed(failed, clock.millis());
        repo.update(resumed);
        return resumed;
    }

    /**
     * Aborts: no further wave is sent, and devices that have not finished get their desired state cleared.
     *
     * @throws IllegalStateException when it already finished or was aborted
     */
    public synchronized Rollout abort(String id) {
        Rollout r = require(id);
        if (r.state() == RolloutState.FINISHED || r.state() == RolloutState.ABORTED) {
            throw new IllegalStateException("rollout " + id + " is already " + r.state());
        }
        for (DeviceDeployment d : repo.devices(id)) {
            if (d.sentMs() > 0 && !d.terminal()) {
                publisher.publish(d.deviceId(), null);
            }
        }
        Rollout a = r.with(RolloutState.ABORTED, "aborted by request", clock.millis());
        repo.update(a);
        return a;
    }

    private Rollout require(String id) {
        return repo.find(id).orElseThrow(() -> new IllegalArgumentException("no rollout with id '" + id + "'"));
    }

    /** The signed manifest of a rollout. */
    public static SignedManifest manifest(Rollout r) {
        try {
            return SignedManifest.parseFrom(Base64.getDecoder().decode(r.signedManifest()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored manifest of rollout " + r.id() + " is corrupt", e);
        }
    }

    private static boolean isTerminal(DeploymentState s) {
        return s == DeploymentState.ACTIVE || s == DeploymentState.FAILED || s == DeploymentState.ROLLED_BACK
                || s == DeploymentState.REJECTED;
    }
}
