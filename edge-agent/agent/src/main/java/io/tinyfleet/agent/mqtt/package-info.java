/**
 * The agent's MQTT session: connect with a last will (its death), announce a birth, send
 * heartbeats, reconnect with back-off and announce again after the broker comes back.
 */
package io.tinyfleet.agent.mqtt;
