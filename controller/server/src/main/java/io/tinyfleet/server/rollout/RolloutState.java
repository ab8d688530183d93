package io.tinyfleet.server.rollout;

/** Where a rollout stands. Stored by name: add values, never rename them. */
public enum RolloutState {
    /** Waves are being sent and evaluated. */
    RUNNING,
    /** Stopped by a condition (error threshold, gate) or by a person; resume or abort. */
    PAUSED,
    /** Every wave was sent and every target reached a final state. */
    FINISHED,
    /** Stopped for good by a person. */
    ABORTED
}
