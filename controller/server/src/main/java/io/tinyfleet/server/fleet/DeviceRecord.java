package io.tinyfleet.server.fleet;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * One row of the {@code devices} table (see {@code V1__devices.sql}). Times are epoch milliseconds.
 * Lists (CPU features, execution providers) are stored comma-separated: they are shown, not queried.
 * Identifiers are not quoted ({@code escape = false}) so the same SQL works on H2 and PostgreSQL
 * whatever case either folds unquoted names to.
 */
@MappedEntity(value = "devices", escape = false)
public class DeviceRecord {

    @Id
    private String id;
    private boolean online;
    private long sessionSeq;
    private boolean sessionEnded;
    private long firstSeenMs;
    private long lastSeenMs;
    @Nullable
    private Long onlineSinceMs;
    @Nullable
    private Long offlineSinceMs;
    @Nullable
    private String offlineReason;
    private int heartbeatIntervalS;
    private long lastHeartbeatSeq;
    @Nullable
    private Double cpuLoad;
    @Nullable
    private Long usedMemoryBytes;
    private String agentVersion = "";
    private String onnxruntimeVersion = "";
    private String executionProviders = "";
    private String cpuModel = "";
    private int physicalCores;
    private int logicalCores;
    private long maxFrequencyHz;
    private long totalMemoryBytes;
    private String os = "";
    private String arch = "";
    private String hostname = "";
    private String boardModel = "";
    private String cpuFeatures = "";
    private String deviceProfileId = "";
    private String deviceProfileName = "";
    private String declaredTags = "";
    private String assignedTags = "";

    public String getId() { return id; }
    public void setId(String id) { this.id = id; }
    public boolean isOnline() { return online; }
    public void setOnline(boolean online) { this.online = online; }
    public long getSessionSeq() { return sessionSeq; }
    public void setSessionSeq(long sessionSeq) { this.sessionSeq = sessionSeq; }
    public boolean isSessionEnded() { return sessionEnded; }
    public void setSessionEnded(boolean sessionEnded) { this.sessionEnded = sessionEnded; }
    public long getFirstSeenMs() { return firstSeenMs; }
    public void setFirstSeenMs(long firstSeenMs) { this.firstSeenMs = firstSeenMs; }
    public long getLastSeenMs() { return lastSeenMs; }
    public void setLastSeenMs(long lastSeenMs) { this.lastSeenMs = lastSeenMs; }
    @Nullable public Long getOnlineSinceMs() { return onlineSinceMs; }
    public void setOnlineSinceMs(@Nullable Long onlineSinceMs) { this.onlineSinceMs = onlineSinceMs; }
    @Nullable public Long getOfflineSinceMs() { return offlineSinceMs; }
    public void setOfflineSinceMs(@Nullable Long offlineSinceMs) { this.offlineSinceMs = offlineSinceMs; }
    @Nullable public String getOfflineReason() { return offlineReason; }
    public void setOfflineReason(@Nullable String offlineReason) { this.offlineReason = offlineReason; }
    public int getHeartbeatIntervalS() { return heartbeatIntervalS; }
    public void setHeartbeatIntervalS(int heartbeatIntervalS) { this.heartbeatIntervalS = heartbeatIntervalS; }
    public long getLastHeartbeatSeq() { return lastHeartbeatSeq; }
    public void setLastHeartbeatSeq(long lastHeartbeatSeq) { this.lastHeartbeatSeq = lastHeartbeatSeq; }
    @Nullable public Double getCpuLoad() { return cpuLoad; }
    public void setCpuLoad(@Nullable Double cpuLoad) { this.cpuLoad = cpuLoad; }
    @Nullable public Long getUsedMemoryBytes() { return usedMemoryBytes; }
    public void setUsedMemoryBytes(@Nullable Long usedMemoryBytes) { this.usedMemoryBytes = usedMemoryBytes; }
    public String getAgentVersion() { return agentVersion; }
    public void setAgentVersion(String agentVersion) { this.agentVersion = agentVersion; }
    public String getOnnxruntimeVersion() { return onnxruntimeVersion; }
    public void setOnnxruntimeVersion(String onnxruntimeVersion) { this.onnxruntimeVersion = onnxruntimeVersion; }
    public String getExecutionProviders() { return executionProviders; }
    public void setExecutionProviders(String executionProviders) { this.executionProviders = executionProviders; }
    public String getCpuModel() { return cpuModel; }
    public void setCpuModel(String cpuModel) { this.cpuModel = cpuModel; }
    public int getPhysicalCores() { return physicalCores; }
    public void setPhysicalCores(int physicalCores) { this.physicalCores = physicalCores; }
    public int getLogicalCores() { return logicalCores; }
    public void setLogicalCores(int logicalCores) { this.logicalCores = logicalCores; }
    public long getMaxFrequencyHz() { return maxFrequencyHz; }
    public void setMaxFrequencyHz(long maxFrequencyHz) { this.maxFrequencyHz = maxFrequencyHz; }
    public long getTotalMemoryBytes() { return totalMemoryBytes; }
    public void setTotalMemoryBytes(long totalMemoryBytes) { this.totalMemoryBytes = totalMemoryBytes; }
    public String getOs() { return os; }
    public void setOs(String os) { this.os = os; }
    public String getArch() { return arch; }
    public void setArch(String arch) { this.arch = arch; }
    public String getHostname() { return hostname; }
    public void setHostname(String hostname) { this.hostname = hostname; }
    public String getBoardModel() { return boardModel; }
    public void setBoardModel(String boardModel) { this.boardModel = boardModel; }
    public String getCpuFeatures() { return cpuFeatures; }
    public void setCpuFeatures(String cpuFeatures) { this.cpuFeatures = cpuFeatures; }
    public String getDeviceProfileId() { return deviceProfileId; }
    public void setDeviceProfileId(String deviceProfileId) { this.deviceProfileId = deviceProfileId; }
    public String getDeviceProfileName() { return deviceProfileName; }
    public void setDeviceProfileName(String deviceProfileName) { this.deviceProfileName = deviceProfileName; }
    /** Tags from the agent's last birth, comma-separated. */
    public String getDeclaredTags() { return declaredTags; }
    public void setDeclaredTags(String declaredTags) { this.declaredTags = declaredTags; }
    /** Tags an operator assigned through the API, comma-separated. */
    public String getAssignedTags() { return assignedTags; }
    public void setAssignedTags(String assignedTags) { this.assignedTags = assignedTags; }

    /** Declared and assigned tags together, sorted. */
    public java.util.SortedSet<String> tags() {
        java.util.TreeSet<String> t = new java.util.TreeSet<>();
        for (String csv : new String[] {declaredTags, assignedTags}) {
            if (csv != null && !csv.isEmpty()) {
                t.addAll(java.util.Arrays.asList(csv.split(",")));
            }
        }
        return t;
    }

    /**
     * Whether {@code tag:T} selects this device: T is one of its tags, its device profile id, its
     * CPU arch, or {@code all}.
     */
    public boolean matchesTag(String tag) {
        return "all".equals(tag) || tags().contains(tag) || tag.equals(deviceProfileId) || tag.equals(arch);
    }
}
