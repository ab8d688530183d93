package io.tinyfleet.server.rollout.condition;

import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import java.util.List;
import java.util.Optional;

/** One rule evaluated on every tick of a running rollout. */
public interface RolloutCondition {

    /**
     * @param rollout the rollout
     * @param sent    devices whose desired state was published (all started waves)
     * @param wave    devices of the current wave
     * @return why the condition holds (one line), or empty
     */
    Optional<String> evaluate(Rollout rollout, List<DeviceDeployment> sent, List<DeviceDeployment> wave);
}
