/**
 * The TinyFleet controller: a Micronaut service with an embedded (or external) MQTT broker, the
 * device registry, a REST API and a Prometheus endpoint. {@link io.tinyfleet.server.ControllerServer}
 * starts it with explicit steps so that every start-up failure becomes one clear message.
 */
package io.tinyfleet.server;
