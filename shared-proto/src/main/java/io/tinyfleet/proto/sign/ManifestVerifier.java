package io.tinyfleet.proto.sign;

import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.proto.v1.SignedManifest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;

/**
 * Verifies signed manifests against one pinned Ed25519 public key. Only a manifest whose
 * signature verifies is ever parsed and returned; everything else is refused with a reason code.
 */
public final class ManifestVerifier {

    private final PublicKey key;
    private final String keyId;

    /** @param pinned the controller's public key, pinned on the device */
    public ManifestVerifier(PublicKey pinned) {
        this.key = pinned;
        this.keyId = Ed25519Keys.keyId(pinned);
    }

    /** Id of the pinned key. */
    public String keyId() {
        return keyId;
    }

    /**
     * Verifies and parses.
     *
     * @throws SignatureRejectedException with {@code unknown_key}, {@code signature_invalid} or
     *                                    {@code malformed_manifest}
     */
    public DeploymentManifest verify(SignedManifest signed) throws SignatureRejectedException {
        if (!signed.getKeyId().isEmpty() && !signed.getKeyId().equals(keyId)) {
            throw new SignatureRejectedException(SignatureRejectedException.UNKNOWN_KEY,
                    "manifest signed with key " + signed.getKeyId() + ", but this device trusts only key " + keyId);
        }
        byte[] bytes = signed.getManifest().toByteArray();
        if (!verifyBytes(bytes, signed.getSignature().toByteArray())) {
            throw new SignatureRejectedException(SignatureRejectedException.SIGNATURE_INVALID,
                    "manifest signature does not verify with pinned key " + keyId);
        }
        try {
            DeploymentManifest m = DeploymentManifest.parseFrom(bytes);
            if (m.getDeploymentId().isEmpty() || m.getArtifactSha256().length() != 64 || m.getChunkSize() <= 0
                    || m.getArtifactSize() <= 0) {
                throw new SignatureRejectedException(SignatureRejectedException.MALFORMED_MANIFEST,
                        "manifest lacks a deployment id, artifact sha256, size or chunk size");
            }
            long chunks = (m.getArtifactSize() + m.getChunkSize() - 1) / m.getChunkSize();
            if (m.getChunkSha256Count() != chunks) {
                throw new SignatureRejectedException(SignatureRejectedException.MALFORMED_MANIFEST,
                        "manifest lists " + m.getChunkSha256Count() + " chunk hashes for " + chunks + " chunks");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new SignatureRejectedException(SignatureRejectedException.MALFORMED_MANIFEST,
                    "signed manifest is not a DeploymentManifest: " + e.getMessage());
        }
    }

    /** Whether {@code signature} is a valid Ed25519 signature of {@code bytes} by the pinned key. */
    public boolean verifyBytes(byte[] bytes, byte[] signature) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(bytes);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // malformed signature bytes
        }
    }
}
