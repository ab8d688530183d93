package io.tinyfleet.server.telemetry;

import io.micronaut.context.annotation.Value;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.proto.v1.Figure;
import io.tinyfleet.proto.v1.HardwareSample;
import io.tinyfleet.proto.v1.TelemetryBatch;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stores telemetry series and benchmark reports (H2 or PostgreSQL, schema {@code V200__telemetry.sql})
 * and keeps per-device {@link SequenceTracker}s, persisted so loss counts survive a controller restart.
 * Plain JDBC: the writes are batched inserts and the reads are time-range scans, which Micronaut
 * Data's repositories would only wrap.
 */
@Singleton
public class TelemetryStore {

    private final DataSource ds;
    private final Duration retention;
    private final Duration benchmarkRetention;
    private final Map<String, SequenceTracker> trackers = new HashMap<>();

    /**
     * @param retention          how long hardware samples are kept ({@code tinyfleet.telemetry.retention})
     * @param benchmarkRetention how long benchmark reports are kept ({@code tinyfleet.telemetry.benchmark-retention}):
     *                           they are the trade-off view's measured points, not a time series, so they
     *                           outlive the samples by default
     */
    TelemetryStore(DataSource ds, @Value("${tinyfleet.telemetry.retention:24h}") Duration retention,
                   @Value("${tinyfleet.telemetry.benchmark-retention:365d}") Duration benchmarkRetention) {
        this.ds = io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(ds); // plain pooled connections, no ambient transaction needed
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("tinyfleet.telemetry.retention must be positive, got " + retention);
        }
        if (benchmarkRetention.isNegative() || benchmarkRetention.isZero()) {
            throw new IllegalArgumentException("tinyfleet.telemetry.benchmark-retention must be positive, got "
                    + benchmarkRetention);
        }
        this.retention = retention;
        this.benchmarkRetention = benchmarkRetention;
    }

    /** How long hardware samples are kept. */
    public Duration retention() {
        return retention;
    }

    /** How long benchmark reports are kept. */
    public Duration benchmarkRetention() {
        return benchmarkRetention;
    }

    /** What one batch did to the device's counters. */
    public record BatchOutcome(int stored, int duplicates, long lostInBatch, SequenceTracker tracker,
                               Optional<HardwareSample> latest) {
    }

    /** Stores a batch's new samples; counts gaps and duplicates. */
    public synchronized BatchOutcome store(TelemetryBatch b) {
        String id = b.getDeviceId();
        SequenceTracker t = trackers.computeIfAbsent(id, this::loadTracker);
        List<HardwareSample> fresh = new ArrayList<>();
        long lost = 0;
        int dups = 0;
        for (HardwareSample s : b.getSamplesList()) {
            SequenceTracker.Verdict v = t.accept(b.getStreamId(), s.getSeq());
            if (v == SequenceTracker.Verdict.DUPLICATE) {
                dups++;
                continue;
            }
            lost += t.lastGap();
            fresh.add(s);
        }
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO telemetry_samples (device_id, ts_ms, stream_id,"
                    + " seq, cpu_load, process_cpu_cores, process_rss_bytes, memory_used_bytes, memory_total_bytes,"
                    + " temperature_c, power_w, power_source, emulated, memory_budget_bytes)"
                    + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                for (HardwareSample s : fresh) {
                    ps.setString(1, id);
                    ps.setLong(2, s.getTimestampMs());
                    ps.setLong(3, b.getStreamId());
                    ps.setLong(4, s.getSeq());
                    dbl(ps, 5, s.getCpuLoad() >= 0 ? s.getCpuLoad() : null);
                    dbl(ps, 6, s.getProcessCpuCores() >= 0 ? s.getProcessCpuCores() : null);
                    lng(ps, 7, s.getProcessRssBytes());
                    lng(ps, 8, s.getMemoryUsedBytes());
                    lng(ps, 9, s.getMemoryTotalBytes());
                    dbl(ps, 10, value(s.getCpuTemperatureC()));
                    dbl(ps, 11, value(s.getPowerW()));
                    ps.setString(12, trim(source(s.getPowerW()), 128));
                    ps.setBoolean(13, b.getEmulated());
                    lng(ps, 14, b.getMemoryBudgetBytes() > 0 ? b.getMemoryBudgetBytes() : -1);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            saveTracker(c, id, t);
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("storing telemetry of " + id + ": " + e.getMessage(), e);
        }
        Optional<HardwareSample> latest = fresh.isEmpty() ? Optional.empty() : Optional.of(fresh.get(fresh.size() - 1));
        return new BatchOutcome(fresh.size(), dups, lost, t, latest);
    }

    private SequenceTracker loadTracker(String id) {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT stream_id, last_seq, received, lost, duplicates"
                     + " FROM telemetry_streams WHERE device_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return SequenceTracker.restore(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                }
            }
            return new SequenceTracker();
        } catch (SQLException e) {
            throw new IllegalStateException("reading telemetry stream of " + id + ": " + e.getMessage(), e);
        }
    }

    private static void saveTracker(Connection c, String id, SequenceTracker t) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE telemetry_streams SET stream_id=?, last_seq=?, received=?,"
                + " lost=?, duplicates=?, updated_ms=? WHERE device_id=?")) {
            up.setLong(1, t.streamId());
            up.setLong(2, t.lastSeq());
            up.setLong(3, t.received());
            up.setLong(4, t.lost());
            up.setLong(5, t.duplicates());
            up.setLong(6, System.currentTimeMillis());
            up.setString(7, id);
            if (up.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement in = c.prepareStatement("INSERT INTO telemetry_streams (device_id, stream_id, last_seq,"
                + " received, lost, duplicates, updated_ms) VALUES (?,?,?,?,?,?,?)")) {
            in.setString(1, id);
            in.setLong(2, t.streamId());
            in.setLong(3, t.lastSeq());
            in.setLong(4, t.received());
            in.setLong(5, t.lost());
            in.setLong(6, t.duplicates());
            in.setLong(7, System.currentTimeMillis());
            in.executeUpdate();
        }
    }

    /** Loss counters of one device, if it ever sent telemetry. */
    public synchronized Optional<TelemetryViews.Loss> loss(String deviceId) {
        SequenceTracker t = trackers.computeIfAbsent(deviceId, this::loadTracker);
        if (t.received() == 0 && t.lost() == 0) {
            return Optional.empty();
        }
        return Optional.of(new TelemetryViews.Loss(deviceId, t.streamId(), t.lastSeq(), t.received(), t.lost(),
                t.duplicates(), t.lossRatio()));
    }

    /** Samples of one device at or after {@code sinceMs}, oldest first, at most {@code limit}. */
    public List<TelemetryViews.Sample> samples(String deviceId, long sinceMs, int limit) {
        String sql = "SELECT ts_ms, seq, cpu_load, process_cpu_cores, process_rss_bytes, memory_used_bytes,"
                + " memory_total_bytes, temperature_c, power_w, power_source, emulated, memory_budget_bytes FROM telemetry_samples"
                + " WHERE device_id = ? AND ts_ms >= ? ORDER BY ts_ms DESC, seq DESC";
        List<TelemetryViews.Sample> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, deviceId);
            ps.setLong(2, sinceMs);
            ps.setMaxRows(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TelemetryViews.Sample(rs.getLong(1), rs.getLong(2), d(rs, 3), d(rs, 4), l(rs, 5),
                            l(rs, 6), l(rs, 7), d(rs, 8), d(rs, 9), rs.getString(10), rs.getBoolean(11), l(rs, 12)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading telemetry of " + deviceId + ": " + e.getMessage(), e);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** Stores a benchmark report; returns its view. */
    public TelemetryViews.Benchmark store(BenchmarkReport r) {
        String sql = "INSERT INTO benchmark_reports (device_id, ts_ms, request_id, trigger_kind, ok, error, model_id,"
                + " model_sha256, model_bytes, model_family, model_name, latency_p50_ms, latency_p95_ms, latency_p99_ms,"
                + " throughput_per_s, peak_rss_bytes, accuracy, energy_j, energy_source, power_w, threads, profile_id,"
                + " emulated, emulated_profile, exceeds_profile_memory, notes)"
                + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
        boolean ok = r.getOk();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql, java.sql.Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, r.getDeviceId());
            ps.setLong(2, r.getTimestampMs());
            ps.setString(3, trim(r.getRequestId(), 128));
            ps.setString(4, trim(r.getTrigger(), 32));
            ps.setBoolean(5, ok);
            ps.setString(6, trim(r.getError(), 1024));
            ps.setString(7, trim(r.getModelId(), 256));
            ps.setString(8, trim(r.getModelSha256(), 64));
            ps.setLong(9, r.getModelBytes());
            ps.setString(10, trim(r.getModelFamily(), 256));
            ps.setString(11, trim(r.getModelName(), 256));
            dbl(ps, 12, ok ? r.getLatencyP50Ms() : null);
            dbl(ps, 13, ok ? r.getLatencyP95Ms() : null);
            dbl(ps, 14, ok ? r.getLatencyP99Ms() : null);
            dbl(ps, 15, ok ? r.getThroughputPerS() : null);
            lng(ps, 16, ok ? r.getPeakRssBytes() : -1);
            dbl(ps, 17, r.getAccuracyKnown() ? r.getAccuracy() : null);
            dbl(ps, 18, value(r.getEnergyPerInferenceJ()));
            ps.setString(19, trim(source(r.getEnergyPerInferenceJ()), 128));
            dbl(ps, 20, value(r.getAveragePowerW()));
            ps.setInt(21, r.getIntraOpThreads());
            ps.setString(22, trim(r.getDeviceProfileId(), 64));
            ps.setBoolean(23, r.getEmulated());
            ps.setString(24, trim(r.getEmulatedProfile(), 64));
            ps.setBoolean(25, r.getExceedsProfileMemory());
            ps.setString(26, trim(String.join("\n", r.getNotesList()), 4000));
            ps.executeUpdate();
            long id = 0;
            try (ResultSet keys = ps.getGeneratedKeys()) {
                if (keys.next()) {
                    id = keys.getLong(1);
                }
            }
            final long rid = id;
            return benchmarks(null, null, 1, rid).stream().findFirst()
                    .orElseThrow(() -> new IllegalStateException("benchmark report " + rid + " not stored"));
        } catch (SQLException e) {
            throw new IllegalStateException("storing benchmark of " + r.getDeviceId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Benchmark reports, newest first.
     *
     * @param deviceId only this device, or null
     * @param family   only this model family, or null
     * @param limit    at most this many
     */
    public List<TelemetryViews.Benchmark> benchmarks(String deviceId, String family, int limit) {
        return benchmarks(deviceId, family, limit, -1);
    }

    private List<TelemetryViews.Benchmark> benchmarks(String deviceId, String family, int limit, long id) {
        StringBuilder sql = new StringBuilder("SELECT id, device_id, ts_ms, request_id, trigger_kind, ok, error, model_id,"
                + " model_sha256, model_bytes, model_family, model_name, latency_p50_ms, latency_p95_ms, latency_p99_ms,"
                + " throughput_per_s, peak_rss_bytes, accuracy, energy_j, energy_source, power_w, threads, profile_id,"
                + " emulated, emulated_profile, exceeds_profile_memory, notes FROM benchmark_reports WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (deviceId != null) {
            sql.append(" AND device_id = ?");
            args.add(deviceId);
        }
        if (family != null) {
            sql.append(" AND model_family = ?");
            args.add(family);
        }
        if (id >= 0) {
            sql.append(" AND id = ?");
            args.add(id);
        }
        sql.append(" ORDER BY ts_ms DESC, id DESC");
        List<TelemetryViews.Benchmark> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            ps.setMaxRows(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String notes = rs.getString(27);
                    out.add(new TelemetryViews.Benchmark(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                            rs.getString(5), rs.getBoolean(6), rs.getString(7), rs.getString(8), rs.getString(9),
                            rs.getLong(10), rs.getString(11), rs.getString(12), d(rs, 13), d(rs, 14), d(rs, 15),
                            d(rs, 16), l(rs, 17), d(rs, 18), d(rs, 19), rs.getString(20), d(rs, 21), rs.getInt(22),
                            rs.getString(23), rs.getBoolean(24), rs.getString(25), rs.getBoolean(26),
                            notes.isEmpty() ? List.of() : Arrays.asList(notes.split("\n"))));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading benchmark reports: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Deletes samples older than the retention and benchmark reports older than theirs, before {@code now}.
     *
     * @return rows deleted
     */
    public int prune(Instant now) {
        try (Connection c = ds.getConnection();
             PreparedStatement a = c.prepareStatement("DELETE FROM telemetry_samples WHERE ts_ms < ?");
             PreparedStatement b = c.prepareStatement("DELETE FROM benchmark_reports WHERE ts_ms < ?")) {
            a.setLong(1, now.minus(retention).toEpochMilli());
            b.setLong(1, now.minus(benchmarkRetention).toEpochMilli());
            return a.executeUpdate() + b.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("pruning telemetry: " + e.getMessage(), e);
        }
    }

    /** Number of stored samples of one device (tests, retention checks). */
    public long count(String deviceId) {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM telemetry_samples WHERE device_id = ?")) {
            ps.setString(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting telemetry: " + e.getMessage(), e);
        }
    }

    static Double value(Figure f) {
        return f != null && f.getKnown() && Double.isFinite(f.getValue()) ? f.getValue() : null;
    }

    static String source(Figure f) {
        if (f == null || !f.getKnown()) {
            return f == null || f.getReason().isEmpty() ? "unknown" : "unknown: " + f.getReason();
        }
        return f.getSource();
    }

    private static String trim(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
    }

    private static void dbl(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null || !Double.isFinite(v)) {
            ps.setNull(i, Types.DOUBLE);
        } else {
            ps.setDouble(i, v);
        }
    }

    private static void lng(PreparedStatement ps, int i, long v) throws SQLException {
        if (v < 0) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static Double d(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }

    private static Long l(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
