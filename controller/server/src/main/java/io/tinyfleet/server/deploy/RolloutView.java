package io.tinyfleet.server.deploy;

import io.micronaut.serde.annotation.Serdeable;
import io.tinyfleet.server.rollout.DeviceDeployment;
import io.tinyfleet.server.rollout.Rollout;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A rollout as the API shows it: {@code GET /api/deployments/{id}}.
 *
 * @param id          deployment (= rollout) id
 * @param modelId     model sha256
 * @param state       RUNNING, PAUSED, FINISHED, ABORTED
 * @param reason      why it paused or finished
 * @param waves       the plan
 * @param currentWave 1-based wave last sent
 * @param counts      devices per state
 * @param done        whether every target reached a final state
 * @param devices     each target's status
 */
@Serdeable
public record RolloutView(String id, String modelId, String state, String reason, String waves, int currentWave,
                          double successThreshold, double errorThreshold, double maxP95Ms, double minAccuracy,
                          Map<String, Integer> counts, boolean done, long createdMs, long updatedMs,
                          List<DeviceDeployment> devices) {

    static RolloutView of(Rollout r, List<DeviceDeployment> devices) {
        Map<String, Integer> counts = new TreeMap<>();
        devices.forEach(d -> counts.merge(d.state(), 1, Integer::sum));
        return new RolloutView(r.id(), r.modelId(), r.state().name(), r.reason(), r.waves().toString(),
                r.currentWave() + 1, r.successPct(), r.errorPct(), r.maxP95Ms(), r.minAccuracy(), counts,
                devices.stream().allMatch(DeviceDeployment::terminal), r.createdMs(), r.updatedMs(), devices);
    }
}
