package io.tinyfleet.agent.telemetry;

import io.tinyfleet.proto.v1.Figure;
import io.tinyfleet.proto.v1.HardwareSample;
import io.tinyfleet.runtime.sensors.Reading;
import io.tinyfleet.runtime.sensors.TelemetrySnapshot;

/** Converts the runtime's sensor records into telemetry protobuf messages. */
public final class TelemetryMessages {

    private TelemetryMessages() {
    }

    /** A labelled figure: {@code measured:<sensor>}, {@code estimated:<sensor>} or {@code unknown} with the reason. */
    public static Figure figure(Reading r) {
        if (r.origin() == Reading.Origin.UNKNOWN) {
            return unknown(r.reason());
        }
        return known(r.value().getAsDouble(), r.origin().prefix() + ":" + r.sensor());
    }

    /** A known figure with its source label. */
    public static Figure known(double value, String source) {
        return Figure.newBuilder().setKnown(true).setValue(value).setSource(source).build();
    }

    /** An unknown figure with the reason. */
    public static Figure unknown(String reason) {
        return Figure.newBuilder().setKnown(false).setSource("unknown").setReason(reason == null ? "" : reason).build();
    }

    /** One hardware sample; unknown figures become -1 or unknown Figures. */
    public static HardwareSample sample(TelemetrySnapshot s) {
        HardwareSample.Builder b = HardwareSample.newBuilder()
                .setSeq(s.sequence())
                .setTimestampMs(s.timestamp().toEpochMilli())
                .addAllCoreLoads(s.coreLoads())
                .setCpuLoad(s.coreLoads().isEmpty() ? -1
                        : s.coreLoads().stream().mapToDouble(Double::doubleValue).average().orElse(-1))
                .setProcessCpuCores(s.processCpuCores().orElse(-1))
                .setProcessRssBytes(s.processRssBytes().orElse(-1))
                .setMemoryUsedBytes(s.memoryUsedBytes().orElse(-1))
                .setMemoryTotalBytes(s.memoryTotalBytes().orElse(-1))
                .setCpuTemperatureC(figure(s.cpuTemperature()))
                .setPowerW(figure(s.power()));
        return b.build();
    }
}
