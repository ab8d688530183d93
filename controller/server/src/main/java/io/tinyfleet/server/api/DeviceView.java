package io.tinyfleet.server.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.tinyfleet.server.fleet.DeviceRecord;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A device as the API shows it. Times are ISO-8601 UTC strings; unknown values are null.
 *
 * @param id                 device id
 * @param online             whether it is online now
 * @param lastSeen           last message from it
 * @param firstSeen          first message from it
 * @param onlineSince        start of the current online period (null when offline)
 * @param offlineSince       start of the current offline period (null when online)
 * @param offlineReason      CONNECTION_LOST, SHUTDOWN or HEARTBEAT_TIMEOUT (null when online)
 * @param sessionSeq         the agent's current session number
 * @param heartbeatIntervalS heartbeat period the agent promised
 * @param agentVersion       agent version
 * @param cpuLoad            host CPU load 0..1 from the last heartbeat
 * @param usedMemoryBytes    used RAM from the last heartbeat
 * @param inventory          hardware, OS, profile and runtime
 * @param tags               declared and assigned tags together, sorted ({@code deploy --to tag:T} matches
 *                           these, the profile id and the arch)
 * @param declaredTags       tags the agent declared at its last registration
 * @param assignedTags       tags set with {@code PUT /api/devices/{id}/tags}
 */
@Serdeable
public record DeviceView(
        String id,
        boolean online,
        String lastSeen,
        String firstSeen,
        @Nullable String onlineSince,
        @Nullable String offlineSince,
        @Nullable String offlineReason,
        long sessionSeq,
        int heartbeatIntervalS,
        String agentVersion,
        @Nullable Double cpuLoad,
        @Nullable Long usedMemoryBytes,
        Inventory inventory,
        List<String> tags,
        List<String> declaredTags,
        List<String> assignedTags) {

    /** Empty tag lists may arrive as absent (JSON omits empty lists): read them as empty. */
    public DeviceView {
        tags = tags == null ? List.of() : tags;
        declaredTags = declaredTags == null ? List.of() : declaredTags;
        assignedTags = assignedTags == null ? List.of() : assignedTags;
    }

    /**
     * What the device is.
     *
     * @param cpuModel           CPU model
     * @param physicalCores      physical cores
     * @param logicalCores       hardware threads
     * @param maxFrequencyHz     highest clock (0 = unknown)
     * @param totalMemoryBytes   RAM
     * @param os                 operating system
     * @param arch               architecture (JVM os.arch)
     * @param hostname           host name
     * @param boardModel         device-tree board name
     * @param cpuFeatures        ISA flags
     * @param deviceProfileId    profile the agent runs with (empty: none)
     * @param deviceProfileName  its name
     * @param onnxruntimeVersion ONNX Runtime version on the device
     * @param executionProviders ONNX Runtime providers available there
     */
    @Serdeable
    public record Inventory(
            String cpuModel,
            int physicalCores,
            int logicalCores,
            long maxFrequencyHz,
            long totalMemoryBytes,
            String os,
            String arch,
            String hostname,
            String boardModel,
            List<String> cpuFeatures,
            String deviceProfileId,
            String deviceProfileName,
            String onnxruntimeVersion,
            List<String> executionProviders) {
    }

    /** The view of one registry row. */
    public static DeviceView of(DeviceRecord d) {
        return new DeviceView(d.getId(), d.isOnline(), iso(d.getLastSeenMs()), iso(d.getFirstSeenMs()),
                iso(d.getOnlineSinceMs()), iso(d.getOfflineSinceMs()), d.getOfflineReason(), d.getSessionSeq(),
                d.getHeartbeatIntervalS(), d.getAgentVersion(), d.getCpuLoad(), d.getUsedMemoryBytes(),
                new Inventory(d.getCpuModel(), d.getPhysicalCores(), d.getLogicalCores(), d.getMaxFrequencyHz(),
                        d.getTotalMemoryBytes(), d.getOs(), d.getArch(), d.getHostname(), d.getBoardModel(),
                        split(d.getCpuFeatures()), d.getDeviceProfileId(), d.getDeviceProfileName(),
                        d.getOnnxruntimeVersion(), split(d.getExecutionProviders())),
                List.copyOf(d.tags()), split(d.getDeclaredTags()), split(d.getAssignedTags()));
    }

    private static String iso(Long ms) {
        return ms == null ? null : Instant.ofEpochMilli(ms).toString();
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }
}
