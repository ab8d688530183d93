package io.tinyfleet.agent.telemetry;

import io.tinyfleet.proto.v1.HardwareSample;
import io.tinyfleet.proto.v1.TelemetryBatch;
import io.tinyfleet.runtime.sensors.TelemetrySnapshot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Batches hardware samples into {@link TelemetryBatch} messages. Each sample keeps the sampler's
 * sequence number (0, 1, 2, ... per agent process, identified by {@code stream_id}), so the
 * controller counts lost samples from gaps, after Sparkplug B's {@code seq}.
 *
 * <p>When the sink cannot send (broker away) the samples stay buffered, up to
 * {@code maxBuffered}; beyond that the oldest are dropped, and they show up at the controller as a
 * gap, i.e. as loss, never silently.
 */
public final class TelemetryPublisher {

    /** Where batches go: returns false when the message could not be handed to the broker. */
    @FunctionalInterface
    public interface Sink {
        /** Sends one serialised batch. */
        boolean send(byte[] batch);
    }

    private final String deviceId;
    private final long streamId;
    private final TelemetryOptions options;
    private final String profileId;
    private final Sink sink;
    private final LongSupplier clock;
    private final ArrayDeque<HardwareSample> buffer = new ArrayDeque<>();
    private long batchSeq;
    private long dropped;
    private long sent;

    /**
     * @param deviceId  this device
     * @param streamId  identifies this agent process (its start time in ms)
     * @param profileId the device profile id, or empty
     * @param options   batch size, buffer, emulation
     * @param sink      the MQTT publish
     * @param clock     ms since the epoch
     */
    public TelemetryPublisher(String deviceId, long streamId, String profileId, TelemetryOptions options, Sink sink,
                              LongSupplier clock) {
        this.deviceId = deviceId;
        this.streamId = streamId;
        this.profileId = profileId == null ? "" : profileId;
        this.options = options;
        this.sink = sink;
        this.clock = clock;
    }

    /** Adds a sample; sends a batch when one is full. */
    public synchronized void accept(TelemetrySnapshot s) {
        add(TelemetryMessages.sample(s));
    }

    /** Adds an already converted sample (tests). */
    public synchronized void add(HardwareSample s) {
        buffer.addLast(s);
        while (buffer.size() > options.maxBuffered()) {
            buffer.removeFirst();
            dropped++;
        }
        if (buffer.size() >= options.batchSize()) {
            flush();
        }
    }

    /** Sends everything buffered, one batch at a time, until the sink refuses. */
    public synchronized void flush() {
        while (!buffer.isEmpty()) {
            List<HardwareSample> part = new ArrayList<>();
            var it = buffer.iterator();
            while (it.hasNext() && part.size() < options.batchSize()) {
                part.add(it.next());
            }
            TelemetryBatch.Builder b = TelemetryBatch.newBuilder()
                    .setDeviceId(deviceId)
                    .setStreamId(streamId)
                    .setBatchSeq(batchSeq)
                    .setTimestampMs(clock.getAsLong())
                    .addAllSamples(part)
                    .setDeviceProfileId(profileId);
            options.emulation().ifPresent(e -> b.setEmulated(true).setEmulatedProfile(e.profile().id())
                    .setMemoryBudgetBytes(e.memoryBudgetBytes()));
            if (!sink.send(b.build().toByteArray())) {
                return;
            }
            batchSeq++;
            sent += part.size();
            for (int i = 0; i < part.size(); i++) {
                buffer.removeFirst();
            }
        }
    }

    /** Samples waiting to be sent. */
    public synchronized int buffered() {
        return buffer.size();
    }

    /** Samples dropped because the buffer was full. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Samples handed to the broker. */
    public synchronized long sent() {
        return sent;
    }
}
