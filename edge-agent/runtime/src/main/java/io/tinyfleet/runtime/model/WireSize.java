package io.tinyfleet.runtime.model;

import com.github.luben.zstd.Zstd;

/**
 * Bytes a model takes on the wire: its serialised form compressed with Zstandard (RFC 8878) at
 * {@link #LEVEL}. Every part of TinyFleet that reports or budgets transfer size (inspect, compression
 * reports, OTA) uses this one function so the figures agree.
 */
public final class WireSize {

    /**
     * Zstandard level 3, zstd's default and the level the controller's artifact store packs OTA bundles
     * with, so that the reported figure is what is actually sent. Float weights barely compress further:
     * on {@code ultraface_version-RFB-320.onnx} (1,220,755 bytes) level 3 gives 1,037,225 bytes in 0.24 s
     * and level 19 gives 1,031,656 bytes (0.5 % less) in 1.9 s (zstd 1.5 CLI, this 2-core machine),
     * too slow for a search that sizes hundreds of candidates. Quantised and clustered models are where
     * zstd gains; {@link #zstdBytes(byte[], int)} measures any other level.
     */
    public static final int LEVEL = 3;

    private WireSize() {
    }

    /** The zstd-compressed bytes. */
    public static byte[] zstd(byte[] data) {
        return Zstd.compress(data, LEVEL);
    }

    /** Size of {@code data} after zstd at {@link #LEVEL}. */
    public static long zstdBytes(byte[] data) {
        return zstd(data).length;
    }

    /** Size of {@code data} after zstd at {@code level} (1..22). */
    public static long zstdBytes(byte[] data, int level) {
        if (level < 1 || level > 22) {
            throw new IllegalArgumentException("zstd level must be within 1..22, got " + level);
        }
        return Zstd.compress(data, level).length;
    }

    /** Wire size of a model. */
    public static long of(OnnxModel model) {
        return zstdBytes(model.toBytes());
    }
}
