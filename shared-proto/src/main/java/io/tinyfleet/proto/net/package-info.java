/** Transport settings the agent and the controller share (socket options of their MQTT clients). */
package io.tinyfleet.proto.net;
