package io.tinyfleet.proto.sign;

import com.google.protobuf.ByteString;
import io.tinyfleet.proto.v1.DeploymentManifest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Builds the artifact part of a manifest: size, sha256, chunk size and every chunk's sha256. */
public final class Manifests {

    /** Default chunk size: 256 KiB, a good MQTT payload size for Paho and HiveMQ. */
    public static final int DEFAULT_CHUNK_SIZE = 256 * 1024;

    private Manifests() {
    }

    /**
     * A manifest builder describing {@code artifact} cut into {@code chunkSize} pieces; the caller
     * adds deployment id, model id/version, health check and target slot.
     */
    public static DeploymentManifest.Builder forArtifact(byte[] artifact, int chunkSize) {
        if (chunkSize < 1024 || chunkSize > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("chunk size must be 1 KiB..64 MiB, got " + chunkSize);
        }
        if (artifact.length == 0) {
            throw new IllegalArgumentException("artifact is empty");
        }
        DeploymentManifest.Builder b = DeploymentManifest.newBuilder()
                .setArtifactSha256(HexFormat.of().formatHex(sha256(artifact, 0, artifact.length)))
                .setArtifactSize(artifact.length)
                .setChunkSize(chunkSize)
                .setCompression("zstd")
                .setCreatedMs(System.currentTimeMillis());
        for (int off = 0; off < artifact.length; off += chunkSize) {
            b.addChunkSha256(ByteString.copyFrom(sha256(artifact, off, Math.min(chunkSize, artifact.length - off))));
        }
        return b;
    }

    /** Raw sha256 of a slice. */
    public static byte[] sha256(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
