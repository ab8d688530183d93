/**
 * The dashboard served by the controller at {@code /dashboard}: fleet list with live sparklines,
 * device page (CPU/RAM/temperature/power over time, installed models, benchmarks), deployments with
 * progress, and the trade-off view. Pages are static files under {@code resources/dashboard/} that
 * read the JSON API and the live feed ({@code /api/live}, Server-Sent Events); charts are Chart.js
 * from its WebJar, served from the classpath.
 */
package io.tinyfleet.server.dashboard;
