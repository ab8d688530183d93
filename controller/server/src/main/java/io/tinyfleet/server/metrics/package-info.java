/** Fleet metrics for Prometheus (Micrometer): devices online/offline, MQTT messages in and dropped. */
package io.tinyfleet.server.metrics;
