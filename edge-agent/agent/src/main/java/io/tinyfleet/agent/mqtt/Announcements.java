package io.tinyfleet.agent.mqtt;

import io.tinyfleet.proto.v1.DeathReason;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.proto.v1.DeviceDeath;
import io.tinyfleet.proto.v1.Heartbeat;

import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Builds the messages the agent sends. The birth's static part (inventory, versions) is fixed at
 * start; the session number and time are filled in per message.
 */
public final class Announcements {

    private final String deviceId;
    private final DeviceBirth birthTemplate;
    private final LongSupplier clock;
    private final long startedMs;

    /**
     * @param birthTemplate everything of the birth except session_seq and timestamp_ms
     * @param clock         epoch milliseconds
     */
    public Announcements(DeviceBirth birthTemplate, LongSupplier clock) {
        this.deviceId = birthTemplate.getDeviceId();
        this.birthTemplate = birthTemplate;
        this.clock = clock;
        this.startedMs = clock.getAsLong();
    }

    /** The device id. */
    public String deviceId() {
        return deviceId;
    }

    /** The birth template (inventory, versions). */
    public DeviceBirth birthTemplate() {
        return birthTemplate;
    }

    /** The birth for session {@code seq}. */
    public DeviceBirth birth(long seq) {
        return birthTemplate.toBuilder().setSessionSeq(seq).setTimestampMs(clock.getAsLong()).build();
    }

    /** The death ending session {@code seq}. */
    public DeviceDeath death(long seq, DeathReason reason) {
        return DeviceDeath.newBuilder().setDeviceId(deviceId).setSessionSeq(seq).setReason(reason)
                .setTimestampMs(clock.getAsLong()).build();
    }

    /** Heartbeat number {@code beat} of session {@code seq}, with the host's CPU load and used memory. */
    public Heartbeat heartbeat(long seq, long beat) {
        double load = -1;
        long used = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            double l = os.getCpuLoad();
            load = l >= 0 && l <= 1 ? l : -1;
            long total = os.getTotalMemorySize();
            long free = os.getFreeMemorySize();
            used = total > 0 && free >= 0 ? total - free : -1;
        }
        long now = clock.getAsLong();
        return Heartbeat.newBuilder().setDeviceId(deviceId).setSessionSeq(seq).setSeq(beat)
                .setTimestampMs(now).setUptimeMs(now - startedMs).setCpuLoad(load).setUsedMemoryBytes(used)
                .build();
    }
}
