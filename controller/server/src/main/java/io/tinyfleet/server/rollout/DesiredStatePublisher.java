package io.tinyfleet.server.rollout;

import io.tinyfleet.proto.v1.SignedManifest;

/** Publishes a device's desired state (retained), or clears it with {@code null}. */
@FunctionalInterface
public interface DesiredStatePublisher {
    void publish(String deviceId, SignedManifest manifest);
}
