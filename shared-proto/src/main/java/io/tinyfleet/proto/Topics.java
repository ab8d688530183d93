package io.tinyfleet.proto;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every MQTT topic TinyFleet uses. No other class spells a topic string.
 *
 * <p>Layout: {@code tinyfleet/v1/{deviceId}/{kind}}. Device ids are restricted to
 * {@code [A-Za-z0-9._-]{1,64}} so that they can never contain MQTT wildcards or separators.
 */
public final class Topics {

    /** Root of every TinyFleet topic, with the protocol version. */
    public static final String ROOT = "tinyfleet/v1";

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Message kinds published under a device's prefix. */
    public enum Kind {
        /** agent → controller: {@code DeviceBirth}. */
        BIRTH("birth"),
        /** agent → controller (last will, or clean shutdown): {@code DeviceDeath}. */
        DEATH("death"),
        /** agent → controller: {@code Heartbeat}. */
        HEARTBEAT("heartbeat"),
        /** controller → agent, retained: {@code DesiredState} (signed deployment manifest). */
        DESIRED("desired"),
        /** agent → controller, MQTT 5 request with response topic {@link #CHUNK}: {@code ChunkRequest}. */
        CHUNK_REQUEST("chunk-req"),
        /** controller → agent, the response of a chunk request: {@code Chunk}. */
        CHUNK("chunk"),
        /** agent → controller: {@code DeploymentStatus}. */
        OTA_STATUS("ota-status"),
        /** agent → controller: {@code TelemetryBatch} (batched hardware samples with sequence numbers). */
        TELEMETRY("telemetry"),
        /** agent → controller: {@code BenchmarkReport} (on-device benchmark of one model). */
        BENCHMARK("bench"),
        /** controller → agent: {@code BenchmarkRequest} (run the benchmark now). */
        BENCHMARK_REQUEST("bench-req");

        private final String segment;

        Kind(String segment) {
            this.segment = segment;
        }

        /** The last topic level for this kind. */
        public String segment() {
            return segment;
        }
    }

    private Topics() {
    }

    /** Whether {@code id} is a valid device id. */
    public static boolean isValidDeviceId(String id) {
        return id != null && DEVICE_ID.matcher(id).matches();
    }

    /**
     * Checks a device id.
     *
     * @throws IllegalArgumentException naming the id and the allowed characters
     */
    public static String requireDeviceId(String id) {
        if (!isValidDeviceId(id)) {
            throw new IllegalArgumentException("invalid device id '" + id
                    + "': use 1-64 characters from A-Z a-z 0-9 . _ -");
        }
        return id;
    }

    /** The topic of {@code kind} for one device. */
    public static String device(String deviceId, Kind kind) {
        return ROOT + "/" + requireDeviceId(deviceId) + "/" + Objects.requireNonNull(kind).segment();
    }

    /** A filter matching {@code kind} from every device, e.g. {@code tinyfleet/v1/+/birth}. */
    public static String allDevices(Kind kind) {
        return ROOT + "/+/" + kind.segment();
    }

    /** A topic split into its device id and kind. */
    public record Parsed(String deviceId, Kind kind) {
    }

    /** Parses a topic published under a device's prefix; empty when it is not one of ours. */
    public static Optional<Parsed> parse(String topic) {
        if (topic == null || !topic.startsWith(ROOT + "/")) {
            return Optional.empty();
        }
        String[] parts = topic.substring(ROOT.length() + 1).split("/", -1);
        if (parts.length != 2 || !isValidDeviceId(parts[0])) {
            return Optional.empty();
        }
        for (Kind k : Kind.values()) {
            if (k.segment().equals(parts[1])) {
                return Optional.of(new Parsed(parts[0], k));
            }
        }
        return Optional.empty();
    }
}
