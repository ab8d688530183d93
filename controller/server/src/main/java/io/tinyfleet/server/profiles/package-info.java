/** The device-profile catalogue as the controller serves it ({@code GET /api/profiles}). */
package io.tinyfleet.server.profiles;
