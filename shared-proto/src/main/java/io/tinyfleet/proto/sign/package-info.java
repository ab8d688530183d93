/**
 * Ed25519 signing and verifying of deployment manifests with the JDK's built-in provider
 * (RFC 8032, Java 15+ {@code KeyPairGenerator.getInstance("Ed25519")}): the controller signs, the
 * agent verifies with a pinned public key and refuses anything that does not verify.
 */
package io.tinyfleet.proto.sign;
