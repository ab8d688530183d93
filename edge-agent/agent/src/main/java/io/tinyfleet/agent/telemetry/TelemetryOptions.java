package io.tinyfleet.agent.telemetry;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the agent reports telemetry.
 *
 * @param interval    time between hardware samples ({@code --telemetry-interval}, &ge; 100 ms)
 * @param batchSize   samples per MQTT message (&ge; 1)
 * @param maxBuffered samples kept while the broker is unreachable; older ones are dropped and the
 *                    controller sees the gap in sequence numbers as loss (&ge; batchSize)
 * @param emulation   the profile the agent runs as, if {@code --emulate} was given
 */
public record TelemetryOptions(Duration interval, int batchSize, int maxBuffered, Optional<Emulation> emulation) {

    /** Validates, naming the bad field. */
    public TelemetryOptions {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(emulation, "emulation");
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("--telemetry-interval must be at least 0.1 s, got " + interval.toMillis() + " ms");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("telemetry batch size must be >= 1, got " + batchSize);
        }
        if (maxBuffered < batchSize) {
            throw new IllegalArgumentException("telemetry buffer (" + maxBuffered + ") must hold at least one batch ("
                    + batchSize + ")");
        }
    }

    /** 1 s samples, 5 per message, 10 minutes of buffer, no emulation. */
    public static TelemetryOptions defaults() {
        return new TelemetryOptions(Duration.ofSeconds(1), 5, 600, Optional.empty());
    }

    /** A copy with another sampling interval. */
    public TelemetryOptions withInterval(Duration d) {
        return new TelemetryOptions(d, batchSize, maxBuffered, emulation);
    }

    /** A copy with another batch size (the buffer grows to hold it). */
    public TelemetryOptions withBatchSize(int n) {
        return new TelemetryOptions(interval, n, Math.max(maxBuffered, n), emulation);
    }

    /** A copy that emulates {@code e}. */
    public TelemetryOptions withEmulation(Emulation e) {
        return new TelemetryOptions(interval, batchSize, maxBuffered, Optional.ofNullable(e));
    }
}
