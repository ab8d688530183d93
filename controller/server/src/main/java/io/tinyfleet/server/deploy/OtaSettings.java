package io.tinyfleet.server.deploy;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.tinyfleet.proto.sign.Manifests;
import io.tinyfleet.server.ControllerSettings;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;

/**
 * OTA settings ({@code tinyfleet.ota.*}): signing key file (default
 * {@code HOME/keys/controller-ed25519.key}, generated on first start), chunk size, chunk responses
 * in flight (must not exceed the broker's receive maximum; HiveMQ's default is 10), rollout tick,
 * model size limit.
 */
@Singleton
public final class OtaSettings {

    private final Path keyFile;
    private final int chunkSize;
    private final int maxInFlight;
    private final Duration tick;
    private final long maxModelBytes;
    private final Path artifacts;

    OtaSettings(ControllerSettings controller,
                @Nullable @Value("${tinyfleet.ota.key:}") String key,
                @Value("${tinyfleet.ota.chunk-size:" + Manifests.DEFAULT_CHUNK_SIZE + "}") int chunkSize,
                @Value("${tinyfleet.ota.max-in-flight:8}") int maxInFlight,
                @Value("${tinyfleet.ota.tick-interval:500ms}") Duration tick,
                @Value("${tinyfleet.ota.max-model-bytes:536870912}") long maxModelBytes) {
        this.keyFile = key == null || key.isBlank() ? controller.home().resolve("keys/controller-ed25519.key") : Path.of(key);
        this.chunkSize = chunkSize;
        this.maxInFlight = maxInFlight;
        this.tick = tick;
        this.maxModelBytes = maxModelBytes;
        this.artifacts = controller.home().resolve("artifacts");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("tinyfleet.ota.max-in-flight must be >= 1, got " + maxInFlight);
        }
    }

    /** Private key file (its public key is FILE.pub). */
    public Path keyFile() {
        return keyFile;
    }

    /** Default chunk size. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Chunk responses in flight. */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** Rollout tick. */
    public Duration tick() {
        return tick;
    }

    /** Upload limit. */
    public long maxModelBytes() {
        return maxModelBytes;
    }

    /** Folder of the artifact store. */
    public Path artifacts() {
        return artifacts;
    }
}
