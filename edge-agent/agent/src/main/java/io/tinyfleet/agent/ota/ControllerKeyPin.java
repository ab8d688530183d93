package io.tinyfleet.agent.ota;

import io.tinyfleet.proto.sign.Ed25519Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;

/**
 * The controller public key an agent trusts, pinned at install: {@code tinyfleet agent
 * --controller-key FILE} copies it to {@code HOME/ota/controller.pub} once; afterwards the agent
 * trusts only that key, and a different key is refused until the pin is removed by hand. An agent
 * without a pinned key runs without OTA (it says so), it never fetches a key over the network.
 */
public final class ControllerKeyPin {

    private ControllerKeyPin() {
    }

    /** Where the pinned key lives. */
    public static Path file(Path home) {
        return home.resolve("ota").resolve("controller.pub");
    }

    /**
     * Pins {@code keyFile} (PEM public key) unless the same key is pinned already.
     *
     * @throws IllegalArgumentException when the file is not an Ed25519 key, or another key is pinned
     */
    public static PublicKey pin(Path home, Path keyFile) throws IOException {
        if (!Files.isRegularFile(keyFile)) {
            throw new IllegalArgumentException("--controller-key " + keyFile + ": no such file");
        }
        PublicKey key = Ed25519Keys.readPublic(keyFile);
        Path pinned = file(home);
        if (Files.exists(pinned)) {
            PublicKey old = Ed25519Keys.readPublic(pinned);
            if (!Ed25519Keys.keyId(old).equals(Ed25519Keys.keyId(key))) {
                throw new IllegalArgumentException("--controller-key " + keyFile + " (key " + Ed25519Keys.keyId(key)
                        + ") differs from the key pinned in " + pinned + " (key " + Ed25519Keys.keyId(old)
                        + "); delete that file to trust a new controller");
            }
            return old;
        }
        Files.createDirectories(pinned.getParent());
        Ed25519Keys.writePublic(key, pinned);
        return key;
    }

    /** The pinned key, if any. */
    public static Optional<PublicKey> pinned(Path home) throws IOException {
        Path p = file(home);
        return Files.exists(p) ? Optional.of(Ed25519Keys.readPublic(p)) : Optional.empty();
    }
}
