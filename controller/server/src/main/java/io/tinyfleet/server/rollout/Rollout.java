package io.tinyfleet.server.rollout;

import java.util.List;

/**
 * A rollout: one signed manifest sent to its targets in waves.
 *
 * @param id             rollout id = the manifest's deployment id
 * @param modelId        sha256 of the model
 * @param state          where it stands
 * @param reason         why it paused/finished/aborted, one line
 * @param targets        target device ids in wave order
 * @param waves          the wave plan
 * @param currentWave    0-based index of the last wave sent
 * @param successPct     share of a wave that must be ACTIVE before the next wave starts
 * @param errorPct       share of failed devices (among those sent) at which the rollout pauses
 * @param maxP95Ms       latency gate (0 = none)
 * @param minAccuracy    accuracy gate (0 = none)
 * @param errorsAccepted failures a person accepted by resuming (not counted again)
 * @param resumedMs      last resume; gates only look at statuses newer than this
 * @param signedManifest the signed manifest (base64 of SignedManifest bytes)
 * @param createdMs      creation time
 * @param updatedMs      last change
 */
public record Rollout(String id, String modelId, RolloutState state, String reason, List<String> targets,
                      WavePlan waves, int currentWave, double successPct, double errorPct, double maxP95Ms,
                      double minAccuracy, int errorsAccepted, long resumedMs, String signedManifest, long createdMs,
                      long updatedMs) {

    /** A copy in another state. */
    public Rollout with(RolloutState s, String why, long now) {
        return new Rollout(id, modelId, s, why, targets, waves, currentWave, successPct, errorPct, maxP95Ms,
                minAccuracy, errorsAccepted, resumedMs, signedManifest, createdMs, now);
    }

    /** A copy at another wave. */
    public Rollout atWave(int w, long now) {
        return new Rollout(id, modelId, state, reason, targets, waves, w, successPct, errorPct, maxP95Ms,
                minAccuracy, errorsAccepted, resumedMs, signedManifest, createdMs, now);
    }

    /** A copy resumed at {@code now} accepting {@code errors} failures. */
    public Rollout resumed(int errors, long now) {
        return new Rollout(id, modelId, RolloutState.RUNNING, "", targets, waves, currentWave, successPct, errorPct,
                maxP95Ms, minAccuracy, errors, now, signedManifest, createdMs, now);
    }
}
