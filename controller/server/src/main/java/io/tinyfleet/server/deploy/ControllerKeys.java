package io.tinyfleet.server.deploy;

import io.tinyfleet.proto.sign.Ed25519Keys;
import io.tinyfleet.proto.sign.ManifestSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;

/**
 * The controller's Ed25519 signing key, loaded from its file or generated there on first start.
 * Agents pin the public key ({@code FILE.pub}, also served at {@code GET /api/keys/controller}) with
 * {@code --controller-key}.
 */
public final class ControllerKeys {

    private final KeyPair keys;
    private final ManifestSigner signer;
    private final Path file;

    public ControllerKeys(Path file) {
        this.file = file;
        try {
            this.keys = Ed25519Keys.loadOrGenerate(file);
        } catch (IOException e) {
            throw new UncheckedIOException("signing key " + file + ": " + e.getMessage(), e);
        }
        this.signer = new ManifestSigner(keys);
    }

    /** Signs manifests. */
    public ManifestSigner signer() {
        return signer;
    }

    /** PEM of the public key. */
    public String publicPem() {
        return Ed25519Keys.publicPem(keys.getPublic());
    }

    /** Key id. */
    public String keyId() {
        return signer.keyId();
    }

    /** Public key file. */
    public Path publicKeyFile() {
        return Ed25519Keys.publicKeyFileFor(file);
    }
}
