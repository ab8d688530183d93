/** The agent's configuration: a documented properties file plus command-line overrides. */
package io.tinyfleet.agent.config;
