package io.tinyfleet.server.fleet;

import io.tinyfleet.proto.v1.DeathReason;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.proto.v1.DeviceDeath;
import io.tinyfleet.proto.v1.Heartbeat;
import io.tinyfleet.proto.v1.HardwareInventory;
import io.tinyfleet.server.ControllerSettings;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the registry in step with what devices say, after Sparkplug B's birth/death rules.
 *
 * <p>Sessions are ordered by the agent's {@code session_seq} (it grows across reconnects and
 * restarts):
 * <ul>
 *   <li>a message of an older session than the device's current one is ignored: in particular a
 *       late last will after a reconnect never marks a live device offline;</li>
 *   <li>a death ends its session; a birth or heartbeat of an ended session is ignored, so retained
 *       birth and death of the same session give "offline" in either order of arrival;</li>
 *   <li>a heartbeat of a newer session than known (the controller missed the birth) brings the
 *       device online under that session;</li>
 *   <li>{@link #expireSilentDevices(Instant)} marks offline a device silent for
 *       {@code missed-heartbeats} intervals; its next heartbeat brings it back.</li>
 * </ul>
 * Methods are synchronized: MQTT ingest and the ticker are the only writers, and one lock keeps
 * read-modify-write of a row simple (the registry is small; this is not a hot path).
 */
@Singleton
public class FleetService {

    private static final Logger LOG = LoggerFactory.getLogger(FleetService.class);
    /** Heartbeat interval assumed when a birth did not say. */
    static final int DEFAULT_HEARTBEAT_S = 30;

    private final DeviceRepository devices;
    private final int missedHeartbeats;

    FleetService(DeviceRepository devices, ControllerSettings settings) {
        this.devices = devices;
        this.missedHeartbeats = settings.missedHeartbeats();
    }

    /** What happened to a message. */
    public enum Outcome {
        /** The registry changed (or was refreshed). */
        APPLIED,
        /** Older or ended session: ignored. */
        STALE
    }

    /** A device announced a new session. */
    public synchronized Outcome onBirth(DeviceBirth b, Instant now) {
        long t = now.toEpochMilli();
        Optional<DeviceRecord> existing = devices.findById(b.getDeviceId());
        DeviceRecord d = existing.orElseGet(() -> newRecord(b.getDeviceId(), t));
        if (existing.isPresent() && (b.getSessionSeq() < d.getSessionSeq()
                || b.getSessionSeq() == d.getSessionSeq() && d.isSessionEnded())) {
            LOG.debug("device {}: ignoring birth of session {} (current {}, ended {})",
                    b.getDeviceId(), b.getSessionSeq(), d.getSessionSeq(), d.isSessionEnded());
            return Outcome.STALE;
        }
        boolean wasOnline = d.isOnline() && d.getSessionSeq() == b.getSessionSeq();
        d.setSessionSeq(b.getSessionSeq());
        d.setSessionEnded(false);
        markOnline(d, t, wasOnline);
        d.setHeartbeatIntervalS(b.getHeartbeatIntervalS() > 0 ? b.getHeartbeatIntervalS() : DEFAULT_HEARTBEAT_S);
        d.setLastHeartbeatSeq(0);
        d.setAgentVersion(b.getAgentVersion());
        d.setOnnxruntimeVersion(b.getOnnxruntimeVersion());
        d.setExecutionProviders(String.join(",", b.getExecutionProvidersList()));
        HardwareInventory inv = b.getInventory();
        d.setCpuModel(inv.getCpuModel());
        d.setPhysicalCores(inv.getPhysicalCores());
        d.setLogicalCores(inv.getLogicalCores());
        d.setMaxFrequencyHz(inv.getMaxFrequencyHz());
        d.setTotalMemoryBytes(inv.getTotalMemoryBytes());
        d.setOs(inv.getOs());
        d.setArch(inv.getArch());
        d.setHostname(inv.getHostname());
        d.setBoardModel(inv.getBoardModel());
        d.setCpuFeatures(String.join(",", inv.getCpuFeaturesList()));
        d.setDeviceProfileId(inv.getDeviceProfileId());
        d.setDeviceProfileName(inv.getDeviceProfileName());
        d.setDeclaredTags(joinTags(b.getTagsList(), b.getDeviceId()));
        save(d, existing.isPresent());
        if (!wasOnline) {
            LOG.info("device {} online (session {})", d.getId(), d.getSessionSeq());
        }
        return Outcome.APPLIED;
    }

    /** A device's session ended (its last will, or a clean shutdown). */
    public synchronized Outcome onDeath(DeviceDeath m, Instant now) {
        long t = now.toEpochMilli();
        Optional<DeviceRecord> existing = devices.findById(m.getDeviceId());
        DeviceRecord d = existing.orElseGet(() -> newRecord(m.getDeviceId(), t));
        if (existing.isPresent() && m.getSessionSeq() < d.getSessionSeq()) {
            LOG.debug("device {}: ignoring death of old session {} (current {})",
                    m.getDeviceId(), m.getSessionSeq(), d.getSessionSeq());
            return Outcome.STALE;
        }
        if (existing.isPresent() && m.getSessionSeq() == d.getSessionSeq() && d.isSessionEnded()) {
            return Outcome.STALE; // the same death again (retained copy after a resubscribe)
        }
        boolean wasOnline = d.isOnline();
        d.setSessionSeq(m.getSessionSeq());
        d.setSessionEnded(true);
        markOffline(d, t, m.getReason() == DeathReason.DEATH_REASON_SHUTDOWN
                ? OfflineReason.SHUTDOWN : OfflineReason.CONNECTION_LOST);
        save(d, existing.isPresent());
        if (wasOnline) {
            LOG.info("device {} offline: {} (session {})", d.getId(), d.getOfflineReason(), d.getSessionSeq());
        }
        return Outcome.APPLIED;
    }

    /** A device is alive. */
    public synchronized Outcome onHeartbeat(Heartbeat h, Instant now) {
        long t = now.toEpochMilli();
        Optional<DeviceRecord> existing = devices.findById(h.getDeviceId());
        DeviceRecord d = existing.orElseGet(() -> newRecord(h.getDeviceId(), t));
        if (existing.isPresent() && (h.getSessionSeq() < d.getSessionSeq()
                || h.getSessionSeq() == d.getSessionSeq() && d.isSessionEnded())) {
            return Outcome.STALE;
        }
        boolean sameSessionOnline = d.isOnline() && d.getSessionSeq() == h.getSessionSeq();
        if (h.getSessionSeq() > d.getSessionSeq()) {
            d.setSessionSeq(h.getSessionSeq());
            d.setSessionEnded(false);
        }
        if (d.getHeartbeatIntervalS() <= 0) {
            d.setHeartbeatIntervalS(DEFAULT_HEARTBEAT_S);
        }
        markOnline(d, t, sameSessionOnline);
        d.setLastHeartbeatSeq(h.getSeq());
        d.setCpuLoad(h.getCpuLoad() >= 0 ? h.getCpuLoad() : null);
        d.setUsedMemoryBytes(h.getUsedMemoryBytes() >= 0 ? h.getUsedMemoryBytes() : null);
        save(d, existing.isPresent());
        if (!sameSessionOnline) {
            LOG.info("device {} online again (heartbeat, session {})", d.getId(), d.getSessionSeq());
        }
        return Outcome.APPLIED;
    }

    /**
     * Marks offline every online device whose last message is older than {@code missed-heartbeats}
     * of its heartbeat intervals. Called by {@link FleetTicker}; tests call it directly.
     *
     * @return how many devices went offline
     */
    public synchronized int expireSilentDevices(Instant now) {
        long t = now.toEpochMilli();
        int n = 0;
        for (DeviceRecord d : devices.findByOnline(true)) {
            long allowedMs = (long) missedHeartbeats * Math.max(1, d.getHeartbeatIntervalS()) * 1000L;
            if (t - d.getLastSeenMs() > allowedMs) {
                markOffline(d, t, OfflineReason.HEARTBEAT_TIMEOUT);
                devices.update(d);
                LOG.info("device {} offline: no heartbeat for {} ms", d.getId(), t - d.getLastSeenMs());
                n++;
            }
        }
        return n;
    }

    /**
     * Replaces the tags an operator assigned to a device (its declared tags stay).
     *
     * @return the updated device, empty when it is unknown
     * @throws IllegalArgumentException naming a tag that is not 1-64 of A-Z a-z 0-9 . _ -
     */
    public synchronized Optional<DeviceRecord> assignTags(String id, java.util.Collection<String> tags) {
        for (String t : tags) {
            if (!io.tinyfleet.proto.Topics.isValidDeviceId(t)) {
                throw new IllegalArgumentException("invalid tag '" + t + "': use 1-64 characters from A-Z a-z 0-9 . _ -");
            }
        }
        Optional<DeviceRecord> d = devices.findById(id);
        d.ifPresent(r -> {
            r.setAssignedTags(String.join(",", new java.util.TreeSet<>(tags)));
            devices.update(r);
        });
        return d;
    }

    /** Declared tags as stored: valid ones, sorted, comma-joined; a bad one is dropped with a warning. */
    private static String joinTags(List<String> tags, String deviceId) {
        java.util.TreeSet<String> ok = new java.util.TreeSet<>();
        for (String t : tags) {
            if (io.tinyfleet.proto.Topics.isValidDeviceId(t)) {
                ok.add(t);
            } else {
                LOG.warn("device {}: ignoring declared tag '{}' (not 1-64 of A-Z a-z 0-9 . _ -)", deviceId, t);
            }
        }
        return String.join(",", ok);
    }

    /** All devices, by id. */
    public List<DeviceRecord> list() {
        return devices.listOrderById();
    }

    /** One device. */
    public Optional<DeviceRecord> find(String id) {
        return devices.findById(id);
    }

    /** Number of devices online (or offline). */
    public long count(boolean online) {
        return devices.countByOnline(online);
    }

    private static DeviceRecord newRecord(String id, long t) {
        DeviceRecord d = new DeviceRecord();
        d.setId(id);
        d.setFirstSeenMs(t);
        d.setLastSeenMs(t);
        return d;
    }

    private static void markOnline(DeviceRecord d, long t, boolean alreadyOnline) {
        d.setLastSeenMs(t);
        if (!alreadyOnline || d.getOnlineSinceMs() == null) {
            d.setOnlineSinceMs(t);
        }
        d.setOnline(true);
        d.setOfflineSinceMs(null);
        d.setOfflineReason(null);
    }

    private static void markOffline(DeviceRecord d, long t, OfflineReason why) {
        if (d.isOnline() || d.getOfflineSinceMs() == null) {
            d.setOfflineSinceMs(t);
        }
        d.setOnline(false);
        d.setOnlineSinceMs(null);
        d.setOfflineReason(why.name());
    }

    private void save(DeviceRecord d, boolean exists) {
        if (exists) {
            devices.update(d);
        } else {
            devices.save(d);
        }
    }
}
