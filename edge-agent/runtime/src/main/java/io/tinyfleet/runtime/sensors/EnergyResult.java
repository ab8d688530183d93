package io.tinyfleet.runtime.sensors;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Energy spent over a measured window and the average power, with the source of the figures.
 *
 * @param joules       energy over the window
 * @param seconds      length of the window
 * @param averageWatts {@code joules / seconds}
 * @param source       {@code measured:<sensor>} or {@code estimated:profile}
 * @param samples      samples that went into the figure
 */
public record EnergyResult(double joules, double seconds, double averageWatts, String source, int samples) {

    /** Energy per inference (J) when {@code inferences} ran in the window. */
    public double joulesPerInference(long inferences) {
        if (inferences <= 0) {
            throw new IllegalArgumentException("inferences must be > 0, got " + inferences);
        }
        return joules / inferences;
    }

    /** JSON-friendly form with keys {@code joules, seconds, averageWatts, source, samples}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("joules", joules);
        m.put("seconds", seconds);
        m.put("averageWatts", averageWatts);
        m.put("source", source);
        m.put("samples", samples);
        return m;
    }
}
