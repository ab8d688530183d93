/**
 * The TinyFleet edge agent: a plain Java daemon (no framework) that describes its device to the
 * fleet and keeps an MQTT session with it. {@link io.tinyfleet.agent.Agent} is the entry for code,
 * {@link io.tinyfleet.agent.AgentCommand} for the command line.
 */
package io.tinyfleet.agent;
