package io.tinyfleet.server.rollout.condition;

import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import java.util.List;
import java.util.Optional;

/**
 * Pause when the failed share of the devices sent so far reaches the error threshold
 * ({@code failed * 100 >= errorPct * sent}, failures accepted by a resume excluded). After
 * hawkBit's {@code ThresholdRolloutGroupErrorCondition}; "reaches" (>=) so a 20 % threshold on 10
 * devices pauses at the second failure.
 */
public final class ErrorThresholdCondition implements RolloutCondition {

    @Override
    public Optional<String> evaluate(Rollout r, List<DeviceDeployment> sent, List<DeviceDeployment> wave) {
        if (sent.isEmpty() || r.errorPct() >= 100) {
            return Optional.empty();
        }
        long failed = sent.stream().filter(DeviceDeployment::failed).count() - r.errorsAccepted();
        if (failed > 0 && failed * 100.0 >= r.errorPct() * sent.size() - 1e-9) {
            return Optional.of(String.format("error threshold: %d of %d devices failed (%.1f %% >= %.1f %%)",
                    failed, sent.size(), failed * 100.0 / sent.size(), r.errorPct()));
        }
        return Optional.empty();
    }
}
