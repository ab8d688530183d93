package io.tinyfleet.server.rollout;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Rollouts and their devices in {@code ota_rollouts} / {@code ota_rollout_devices} (migration
 * V100), with plain JDBC on the controller's DataSource: the engine is then testable against a
 * bare H2 + Flyway without starting Micronaut.
 */
public final class RolloutRepository {

    private final DataSource db;

    public RolloutRepository(DataSource db) {
        this.db = db;
    }

    /** Inserts a rollout and its devices (one transaction). */
    public void insert(Rollout r, List<DeviceDeployment> devices) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ota_rollouts (id, model_id, state, reason, "
                    + "targets, waves, current_wave, success_pct, error_pct, max_p95_ms, min_accuracy, errors_accepted, "
                    + "resumed_ms, signed_manifest, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, r.id());
                ps.setString(2, r.modelId());
                ps.setString(3, r.state().name());
                ps.setString(4, r.reason());
                ps.setString(5, String.join(",", r.targets()));
                ps.setString(6, r.waves().toString());
                ps.setInt(7, r.currentWave());
                ps.setDouble(8, r.successPct());
                ps.setDouble(9, r.errorPct());
                ps.setDouble(10, r.maxP95Ms());
                ps.setDouble(11, r.minAccuracy());
                ps.setInt(12, r.errorsAccepted());
                ps.setLong(13, r.resumedMs());
                ps.setString(14, r.signedManifest());
                ps.setLong(15, r.createdMs());
                ps.setLong(16, r.updatedMs());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ota_rollout_devices (rollout_id, device_id, "
                    + "wave, state, progress_pct, code, detail, p95_ms, accuracy, active_model_id, status_seq, sent_ms, "
                    + "updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                for (DeviceDeployment d : devices) {
                    bindDevice(ps, d);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store rollout " + r.id() + ": " + e.getMessage(), e);
        }
    }

    /** Saves a rollout's state, wave, reason, accepted errors. */
    public void update(Rollout r) {
        exec("UPDATE ota_rollouts SET state = ?, reason = ?, current_wave = ?, errors_accepted = ?, resumed_ms = ?, "
                + "updated_ms = ? WHERE id = ?", r.state().name(), truncate(r.reason(), 2000), r.currentWave(),
                r.errorsAccepted(), r.resumedMs(), r.updatedMs(), r.id());
    }

    /** Saves one device row. */
    public void update(DeviceDeployment d) {
        exec("UPDATE ota_rollout_devices SET state = ?, progress_pct = ?, code = ?, detail = ?, p95_ms = ?, "
                + "accuracy = ?, active_model_id = ?, status_seq = ?, sent_ms = ?, updated_ms = ? "
                + "WHERE rollout_id = ? AND device_id = ?", d.state(), d.progressPct(), truncate(d.code(), 64),
                truncate(d.detail(), 2000), d.p95Ms(), d.accuracy(), d.activeModelId(), d.statusTs(), d.sentMs(),
                d.updatedMs(), d.rolloutId(), d.deviceId());
    }

    /** A rollout by id. */
    public Optional<Rollout> find(String id) {
        List<Rollout> r = rollouts("SELECT * FROM ota_rollouts WHERE id = ?", id);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    /** Every rollout, newest first. */
    public List<Rollout> list() {
        return rollouts("SELECT * FROM ota_rollouts ORDER BY created_ms DESC, id");
    }

    /** Rollouts in a state. */
    public List<Rollout> inState(RolloutState s) {
        return rollouts("SELECT * FROM ota_rollouts WHERE state = ? ORDER BY created_ms, id", s.name());
    }

    /** Devices of a rollout, in wave and target order. */
    public List<DeviceDeployment> devices(String rolloutId) {
        try {
            List<DeviceDeployment> out = deviceRows("SELECT * FROM ota_rollout_devices WHERE rollout_id = ?", rolloutId);
            Rollout r = find(rolloutId).orElse(null);
            if (r != null) {
                List<String> order = r.targets();
                out.sort((a, b) -> Integer.compare(order.indexOf(a.deviceId()), order.indexOf(b.deviceId())));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read devices of rollout " + rolloutId + ": " + e.getMessage(), e);
        }
    }

    /**
     * One device's row of a rollout: what each status message needs (a progress report of one
     * device must not read every device of a 50-device rollout).
     */
    public Optional<DeviceDeployment> device(String rolloutId, String deviceId) {
        try {
            List<DeviceDeployment> rows = deviceRows(
                    "SELECT * FROM ota_rollout_devices WHERE rollout_id = ? AND device_id = ?", rolloutId, deviceId);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read device " + deviceId + " of rollout " + rolloutId + ": "
                    + e.getMessage(), e);
        }
    }

    private List<DeviceDeployment> deviceRows(String sql, String... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<DeviceDeployment> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeviceDeployment(rs.getString("rollout_id"), rs.getString("device_id"),
                            rs.getInt("wave"), rs.getString("state"), rs.getInt("progress_pct"), rs.getString("code"),
                            rs.getString("detail"), rs.getDouble("p95_ms"), rs.getDouble("accuracy"),
                            rs.getString("active_model_id"), rs.getLong("status_seq"), rs.getLong("sent_ms"),
                            rs.getLong("updated_ms")));
                }
            }
            return out;
        }
    }

    private List<Rollout> rollouts(String sql, String... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<Rollout> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String t = rs.getString("targets");
                    out.add(new Rollout(rs.getString("id"), rs.getString("model_id"),
                            RolloutState.valueOf(rs.getString("state")), rs.getString("reason"),
                            t.isEmpty() ? List.of() : Arrays.asList(t.split(",")), WavePlan.parse(rs.getString("waves")),
                            rs.getInt("current_wave"), rs.getDouble("success_pct"), rs.getDouble("error_pct"),
                            rs.getDouble("max_p95_ms"), rs.getDouble("min_accuracy"), rs.getInt("errors_accepted"),
                            rs.getLong("resumed_ms"), rs.getString("signed_manifest"), rs.getLong("created_ms"),
                            rs.getLong("updated_ms")));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read rollouts: " + e.getMessage(), e);
        }
    }

    private static void bindDevice(PreparedStatement ps, DeviceDeployment d) throws SQLException {
        ps.setString(1, d.rolloutId());
        ps.setString(2, d.deviceId());
        ps.setInt(3, d.wave());
        ps.setString(4, d.state());
        ps.setInt(5, d.progressPct());
        ps.setString(6, d.code());
        ps.setString(7, truncate(d.detail(), 2000));
        ps.setDouble(8, d.p95Ms());
        ps.setDouble(9, d.accuracy());
        ps.setString(10, d.activeModelId());
        ps.setLong(11, d.statusTs());
        ps.setLong(12, d.sentMs());
        ps.setLong(13, d.updatedMs());
    }

    private void exec(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("rollout store: " + e.getMessage(), e);
        }
    }

    private static String truncate(String s, int n) {
        return s == null ? "" : s.length() <= n ? s : s.substring(0, n);
    }
}
