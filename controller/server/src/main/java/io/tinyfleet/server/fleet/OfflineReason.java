package io.tinyfleet.server.fleet;

/** Why a device is offline. Stored by name: rename never, add freely. */
public enum OfflineReason {
    /** The broker published the agent's last will: connection lost without a clean disconnect. */
    CONNECTION_LOST,
    /** The agent said it was shutting down. */
    SHUTDOWN,
    /** No heartbeat for several intervals (the agent is silent but its connection was not seen to drop). */
    HEARTBEAT_TIMEOUT
}
