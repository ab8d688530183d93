package io.tinyfleet.server.rollout.condition;

import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * The current wave may be followed by the next when its ACTIVE share reaches the success
 * threshold ({@code active * 100 >= successPct * waveSize}), after hawkBit's
 * {@code ThresholdRolloutGroupSuccessCondition}.
 */
public final class SuccessThresholdCondition implements RolloutCondition {

    @Override
    public Optional<String> evaluate(Rollout r, List<DeviceDeployment> sent, List<DeviceDeployment> wave) {
        if (wave.isEmpty()) {
            return Optional.of("empty wave");
        }
        long ok = wave.stream().filter(DeviceDeployment::succeeded).count();
        if (ok * 100.0 >= r.successPct() * wave.size() - 1e-9) {
            return Optional.of(String.format("wave %d: %d of %d devices active", r.currentWave() + 1, ok, wave.size()));
        }
        return Optional.empty();
    }
}
