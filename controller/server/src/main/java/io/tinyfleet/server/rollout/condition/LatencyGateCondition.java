package io.tinyfleet.server.rollout.condition;

import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * Model gate: pause when a device of the rollout measured a p95 latency above the manifest's
 * ceiling (it rolled back with {@code latency_above_ceiling}, or reported a p95 above the limit).
 * Statuses older than the last resume are ignored.
 */
public final class LatencyGateCondition implements RolloutCondition {

    @Override
    public Optional<String> evaluate(Rollout r, List<DeviceDeployment> sent, List<DeviceDeployment> wave) {
        if (r.maxP95Ms() <= 0) {
            return Optional.empty();
        }
        for (DeviceDeployment d : sent) {
            if (d.updatedMs() <= r.resumedMs()) {
                continue;
            }
            if ("latency_above_ceiling".equals(d.code()) || d.p95Ms() > r.maxP95Ms()) {
                return Optional.of(String.format("latency gate: device %s measured p95 %.3f ms > %.3f ms",
                        d.deviceId(), d.p95Ms(), r.maxP95Ms()));
            }
        }
        return Optional.empty();
    }
}
