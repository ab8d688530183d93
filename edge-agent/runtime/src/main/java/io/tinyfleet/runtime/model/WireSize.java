package io.tinyfleet.runtime.model;

import com.github.luben.zstd.Zstd;

/**
 * Bytes a model takes on the wire: its serialised form compressed with Zstandard (RFC 8878) at
 * {@link #LEVEL}. Every part of TinyFleet that reports or budgets transfer size (inspect, compression
 * reports, OTA) uses this one function so the figures agree.
 */
public final class WireSize {

    /**
     * Zstandard level 19, the highest non-"ultra" level: the controller compresses once per artifact,
     * devices decompress at the same speed whatever the level, and ultra levels (20-22) need far more
     * memory on the decoding device.
     */
    public static final int LEVEL = 19;

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

    /** Wire size of a model. */
    public static long of(OnnxModel model) {
        return zstdBytes(model.toBytes());
    }
}
