package io.tinyfleet.server.telemetry;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** JSON shapes of the telemetry API; null means unknown, never a guess. */
public final class TelemetryViews {

    private TelemetryViews() {
    }

    /**
     * One stored hardware sample. {@code memoryBudgetBytes} is the emulated device's RAM minus its OS
     * reserve (null when not emulated); {@code overMemoryBudget} marks an emulation violation, a
     * process RSS above it.
     */
    @Serdeable
    public record Sample(long t, long seq, @Nullable Double cpuLoad, @Nullable Double processCpuCores,
                         @Nullable Long processRssBytes, @Nullable Long memoryUsedBytes,
                         @Nullable Long memoryTotalBytes, @Nullable Double temperatureC, @Nullable Double powerW,
                         String powerSource, boolean emulated, @Nullable Long memoryBudgetBytes) {

        /** Whether the process RSS exceeded the emulated device's memory budget. */
        public boolean overMemoryBudget() {
            return overBudget(processRssBytes, memoryBudgetBytes);
        }
    }

    /** Whether a measured RSS exceeds an emulated device's budget (false when either is unknown or absent). */
    public static boolean overBudget(@Nullable Long rssBytes, @Nullable Long budgetBytes) {
        return rssBytes != null && budgetBytes != null && budgetBytes > 0 && rssBytes > budgetBytes;
    }

    /** Received and lost samples of one device. */
    @Serdeable
    public record Loss(String deviceId, long streamId, long lastSeq, long received, long lost, long duplicates,
                       double lossRatio) {
    }

    /** One on-device benchmark report. */
    @Serdeable
    public record Benchmark(long id, String deviceId, long t, String requestId, String trigger, boolean ok,
                            String error, String modelId, String modelSha256, long modelBytes, String modelFamily,
                            String modelName, @Nullable Double latencyP50Ms, @Nullable Double latencyP95Ms,
                            @Nullable Double latencyP99Ms, @Nullable Double throughputPerS,
                            @Nullable Long peakRssBytes, @Nullable Double accuracy,
                            @Nullable Double energyPerInferenceJ, String energySource, @Nullable Double averagePowerW,
                            int threads, String profileId, boolean emulated, String emulatedProfile,
                            boolean exceedsProfileMemory, List<String> notes) {
    }
}
