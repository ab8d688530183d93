package io.tinyfleet.proto.sign;

import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.proto.v1.SignedManifest;
import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;

/**
 * Signs deployment manifests with the controller's Ed25519 private key (RFC 8032). The signature
 * covers the exact serialized bytes that travel, so the verifier never re-serializes.
 */
public final class ManifestSigner {

    private final KeyPair keys;
    private final String keyId;

    /** @param keys the controller's key pair */
    public ManifestSigner(KeyPair keys) {
        this.keys = keys;
        this.keyId = Ed25519Keys.keyId(keys.getPublic());
    }

    /** Id of the public key that verifies this signer's signatures. */
    public String keyId() {
        return keyId;
    }

    /** Signs {@code manifest}. */
    public SignedManifest sign(DeploymentManifest manifest) {
        byte[] bytes = manifest.toByteArray();
        return SignedManifest.newBuilder()
                .setManifest(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(signBytes(bytes)))
                .setKeyId(keyId)
                .build();
    }

    /** A detached Ed25519 signature of {@code bytes}. */
    public byte[] signBytes(byte[] bytes) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.getPrivate());
            s.update(bytes);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }
}
