/**
 * The fleet's MQTT broker: embedded HiveMQ Community Edition by default, or any external MQTT 5
 * broker named by URL. Either way the controller talks to it as an ordinary client.
 */
package io.tinyfleet.server.broker;
