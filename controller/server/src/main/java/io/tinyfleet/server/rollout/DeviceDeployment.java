package io.tinyfleet.server.rollout;

import io.micronaut.serde.annotation.Serdeable;

/**
 * One target device of a rollout and the last status it reported.
 *
 * @param rolloutId     the rollout (= deployment id in the manifest)
 * @param deviceId      the device
 * @param wave          0-based wave it belongs to
 * @param state         DeploymentState name: PENDING until its wave starts, then QUEUED ... ACTIVE/FAILED/...
 * @param progressPct   download progress
 * @param code          reason code of a failure
 * @param detail        one human line
 * @param p95Ms         p95 latency measured by the health check (-1 unknown)
 * @param accuracy      accuracy measured by the health check (-1 unknown)
 * @param activeModelId what the device serves
 * @param statusTs      timestamp of the last applied status (orders late messages)
 * @param sentMs        when its desired state was published (0: not yet)
 * @param updatedMs     last change
 */
@Serdeable
public record DeviceDeployment(String rolloutId, String deviceId, int wave, String state, int progressPct, String code,
                               String detail, double p95Ms, double accuracy, String activeModelId, long statusTs,
                               long sentMs, long updatedMs) {

    /** Before its wave starts. */
    public static final String PENDING = "PENDING";

    /** Whether the device reached a final state (ACTIVE, FAILED, ROLLED_BACK, REJECTED). */
    public boolean terminal() {
        return succeeded() || failed();
    }

    /** ACTIVE. */
    public boolean succeeded() {
        return "ACTIVE".equals(state);
    }

    /** FAILED, ROLLED_BACK or REJECTED. */
    public boolean failed() {
        return "FAILED".equals(state) || "ROLLED_BACK".equals(state) || "REJECTED".equals(state);
    }
}
