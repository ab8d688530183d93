/**
 * Over-the-air deployment, controller side: the signing key, signed manifests, the MQTT link that
 * publishes desired states, serves chunk requests (MQTT 5 request/response) and ingests device
 * statuses, and the REST API for models, deployments and rollouts.
 */
package io.tinyfleet.server.deploy;
