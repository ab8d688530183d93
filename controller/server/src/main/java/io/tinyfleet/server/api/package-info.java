/**
 * The REST API under {@code /api}. Errors are JSON {@code {"code": "...", "message": "..."}} with a
 * stable code ({@link io.tinyfleet.server.api.ApiError}) that scripts can switch on.
 */
package io.tinyfleet.server.api;
