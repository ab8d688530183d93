/**
 * Over-the-air model deployment, agent side: verifies signed manifests, downloads the artifact in
 * chunks over MQTT 5 request/response into a resumable {@link io.tinyfleet.agent.ota.ChunkStore},
 * installs into the inactive slot of an A/B {@link io.tinyfleet.agent.ota.SlotManager} (after
 * Mender), health-checks the model and switches atomically, or rolls back and says why.
 */
package io.tinyfleet.agent.ota;
