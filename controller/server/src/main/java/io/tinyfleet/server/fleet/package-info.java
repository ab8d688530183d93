/**
 * The device registry: births, deaths and heartbeats from MQTT update one row per device, with
 * online/offline and its timestamps, ordered by the agent's session number.
 */
package io.tinyfleet.server.fleet;
