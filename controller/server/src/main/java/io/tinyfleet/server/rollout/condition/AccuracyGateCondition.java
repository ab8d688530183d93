package io.tinyfleet.server.rollout.condition;

import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * Model gate: pause when a device of the rollout measured an accuracy below the manifest's floor
 * (it rolled back with {@code accuracy_below_floor}, or reported a lower accuracy). Statuses older
 * than the last resume are ignored.
 */
public final class AccuracyGateCondition implements RolloutCondition {

    @Override
    public Optional<String> evaluate(Rollout r, List<DeviceDeployment> sent, List<DeviceDeployment> wave) {
        if (r.minAccuracy() <= 0) {
            return Optional.empty();
        }
        for (DeviceDeployment d : sent) {
            if (d.updatedMs() <= r.resumedMs()) {
                continue;
            }
            if ("accuracy_below_floor".equals(d.code()) || (d.accuracy() >= 0 && d.accuracy() < r.minAccuracy())) {
                return Optional.of(String.format("accuracy gate: device %s measured accuracy %.4f < %.4f",
                        d.deviceId(), d.accuracy(), r.minAccuracy()));
            }
        }
        return Optional.empty();
    }
}
