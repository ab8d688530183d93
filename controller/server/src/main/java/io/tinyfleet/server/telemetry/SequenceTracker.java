package io.tinyfleet.server.telemetry;

/**
 * Counts lost samples of one device from gaps in sequence numbers, after Sparkplug B's {@code seq}.
 * A sample stream is one agent process ({@code stream_id}); within it sequence numbers are 0, 1, 2...
 * A jump from {@code n} to {@code n+k} loses {@code k-1} samples; a repeated or older number is a
 * duplicate (QoS redelivery) and is not stored twice; a new stream starts afresh, and samples
 * missing before its first one ({@code seq} of that first sample) count as lost too.
 *
 * <p>Not thread-safe: the ingest applies one device's batches in order.
 */
public final class SequenceTracker {

    /** What one sample was. */
    public enum Verdict {
        /** The next expected (or first) sample. */
        NEXT,
        /** Arrived after a gap; {@link #lastGap()} samples are lost. */
        AFTER_GAP,
        /** Already seen (or older): drop. */
        DUPLICATE
    }

    private long streamId = Long.MIN_VALUE;
    private long lastSeq = -1;
    private long received;
    private long lost;
    private long duplicates;
    private long lastGap;

    /** Restores a tracker from stored counters. */
    public static SequenceTracker restore(long streamId, long lastSeq, long received, long lost, long duplicates) {
        SequenceTracker t = new SequenceTracker();
        t.streamId = streamId;
        t.lastSeq = lastSeq;
        t.received = received;
        t.lost = lost;
        t.duplicates = duplicates;
        return t;
    }

    /** Applies one sample's stream and sequence number. */
    public Verdict accept(long stream, long seq) {
        lastGap = 0;
        if (stream != streamId) {
            streamId = stream;
            lastSeq = -1;
        }
        if (seq <= lastSeq) {
            duplicates++;
            return Verdict.DUPLICATE;
        }
        long gap = seq - lastSeq - 1;
        lastSeq = seq;
        received++;
        if (gap > 0) {
            lost += gap;
            lastGap = gap;
            return Verdict.AFTER_GAP;
        }
        return Verdict.NEXT;
    }

    /** Samples lost before the last accepted one (0 when it was the next). */
    public long lastGap() {
        return lastGap;
    }

    /** The current stream. */
    public long streamId() {
        return streamId;
    }

    /** The highest sequence number seen in the current stream (-1 before any). */
    public long lastSeq() {
        return lastSeq;
    }

    /** Samples received (duplicates excluded). */
    public long received() {
        return received;
    }

    /** Samples lost in gaps. */
    public long lost() {
        return lost;
    }

    /** Duplicates dropped. */
    public long duplicates() {
        return duplicates;
    }

    /** Lost / (received + lost), 0 before anything arrived. */
    public double lossRatio() {
        long all = received + lost;
        return all == 0 ? 0 : (double) lost / all;
    }
}
