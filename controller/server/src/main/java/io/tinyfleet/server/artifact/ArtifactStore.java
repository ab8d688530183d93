package io.tinyfleet.server.artifact;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.tinyfleet.proto.v1.ModelBundle;
import io.tinyfleet.runtime.data.EvalShard;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.WireSize;
import io.tinyfleet.runtime.session.ModelRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Content-addressed model store: {@code HOME/artifacts/models/<sha256>.onnx} and
 * {@code HOME/artifacts/bundles/<sha256>.tfb.zst} on disk, a row per model in {@code ota_models}.
 * Every model is validated on the way in ({@link OnnxModel#parse}, then
 * {@link ModelRuntime#checkRunnable} refuses custom operator domains by name), so a device is
 * never sent something the controller could already tell is broken. Storing the same bytes twice
 * returns the existing record.
 */
public final class ArtifactStore {

    /** Default size limit of an uploaded model. */
    public static final long DEFAULT_MAX_BYTES = 512L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final DataSource db;
    private final long maxBytes;
    private final int zstdLevel;

    /**
     * @param root      folder for the files ({@code HOME/artifacts})
     * @param db        the controller's database (Flyway-migrated)
     * @param maxBytes  largest model accepted
     * @param zstdLevel zstd compression level of bundles (3 is zstd's default)
     */
    public ArtifactStore(Path root, DataSource db, long maxBytes, int zstdLevel) {
        this.root = root;
        this.db = db;
        this.maxBytes = maxBytes;
        this.zstdLevel = zstdLevel;
    }

    /**
     * Validates and stores a model.
     *
     * @param bytes     the ONNX file
     * @param name      a label (file name)
     * @param shardFile an eval shard file ({@link EvalShard}, TFSHARD1) for the devices' accuracy
     *                  check, or null; checked here (header, spec, payload hash) and shipped as is
     * @param source    upload, cli, compress, search
     * @throws IllegalArgumentException one line naming what is wrong with the model or the shard
     */
    public ModelRecord store(byte[] bytes, String name, byte[] shardFile, String source) {
        if (bytes.length > maxBytes) {
            throw new IllegalArgumentException("model " + name + " is " + bytes.length + " bytes; the limit is "
                    + maxBytes);
        }
        OnnxModel model = OnnxModel.parse(bytes, name);
        ModelRuntime.checkRunnable(model);
        EvalShard shard = shardFile == null || shardFile.length == 0 ? null : parseShard(shardFile, name);
        int samples = shard == null ? 0 : shard.images().count();
        String id = model.sha256();
        Optional<ModelRecord> existing = find(id);
        if (existing.isPresent() && (shard == null || existing.get().evalSamples() == samples)) {
            return existing.get();
        }
        ModelBundle.Builder b = ModelBundle.newBuilder().setModel(ByteString.copyFrom(bytes));
        if (shard != null) {
            b.setEvalShardFile(ByteString.copyFrom(shardFile));
        }
        byte[] artifact = WireSize.zstd(b.build().toByteArray(), bundleCuts(bytes), zstdLevel);
        String artifactSha = OnnxModel.sha256Hex(artifact);
        try {
            writeOnce(modelFile(id), bytes);
            writeOnce(bundleFile(artifactSha), artifact);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store model " + name + " under " + root + ": " + e.getMessage(), e);
        }
        ModelRecord r = new ModelRecord(id, name, bytes.length, artifactSha, artifact.length,
                samples, source, new TreeMap<>(model.metadata()),
                System.currentTimeMillis());
        try (Connection c = db.getConnection()) {
            if (existing.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM ota_models WHERE id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ota_models (id, name, model_bytes, "
                    + "artifact_sha256, artifact_bytes, eval_samples, source, metadata_json, created_ms) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.id());
                ps.setString(2, truncate(r.name(), 256));
                ps.setLong(3, r.modelBytes());
                ps.setString(4, r.artifactSha256());
                ps.setLong(5, r.artifactBytes());
                ps.setInt(6, r.evalSamples());
                ps.setString(7, r.source());
                ps.setString(8, truncate(JSON.writeValueAsString(r.metadata()), 100_000));
                ps.setLong(9, r.createdMs());
                ps.executeUpdate();
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot record model " + id + ": " + e.getMessage(), e);
        }
        return r;
    }

    /** A model by id, or by a unique id prefix of at least 8 characters, or by exact name (newest). */
    public Optional<ModelRecord> resolve(String ref) {
        Optional<ModelRecord> byId = find(ref);
        if (byId.isPresent()) {
            return byId;
        }
        List<ModelRecord> all = list();
        if (ref.length() >= 8) {
            List<ModelRecord> m = all.stream().filter(r -> r.id().startsWith(ref)).toList();
            if (m.size() == 1) {
                return Optional.of(m.get(0));
            }
        }
        return all.stream().filter(r -> r.name().equals(ref)).reduce((a, b) -> b);
    }

    /** A model by its sha256. */
    public Optional<ModelRecord> find(String id) {
        List<ModelRecord> r = query("SELECT * FROM ota_models WHERE id = ?", id);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    /** Every model, oldest first. */
    public List<ModelRecord> list() {
        return query("SELECT * FROM ota_models ORDER BY created_ms, id");
    }

    /**
     * Where the zstd blocks of a bundle end: the model's own {@link WireSize#modelCuts}, moved by the
     * bundle's header, and the end of the model, where the eval shard's pixels begin. A bundle is
     * serialised in field-number order, so {@code model} (field 1) comes first.
     */
    static int[] bundleCuts(byte[] model) {
        int at = CodedOutputStream.computeTagSize(ModelBundle.MODEL_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(model.length);
        int[] inModel = WireSize.modelCuts(model);
        int[] cuts = new int[inModel.length + 1];
        for (int i = 0; i < inModel.length; i++) {
            cuts[i] = at + inModel[i];
        }
        cuts[inModel.length] = at + model.length;
        return cuts;
    }

    /** The transfer artifact of a model (zstd bundle). */
    public byte[] artifact(ModelRecord r) {
        try {
            return Files.readAllBytes(bundleFile(r.artifactSha256()));
        } catch (IOException e) {
            throw new UncheckedIOException("artifact of model " + r.id() + " is missing: " + e.getMessage(), e);
        }
    }

    /** The artifact file by its sha256. */
    public Path bundleFile(String artifactSha) {
        return root.resolve("bundles").resolve(artifactSha + ".tfb.zst");
    }

    /** The ONNX file of a model. */
    public Path modelFile(String id) {
        return root.resolve("models").resolve(id + ".onnx");
    }

    private List<ModelRecord> query(String sql, String... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<ModelRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, String> meta = JSON.readValue(rs.getString("metadata_json"), new TypeReference<>() { });
                    out.add(new ModelRecord(rs.getString("id"), rs.getString("name"), rs.getLong("model_bytes"),
                            rs.getString("artifact_sha256"), rs.getLong("artifact_bytes"), rs.getInt("eval_samples"),
                            rs.getString("source"), meta, rs.getLong("created_ms")));
                }
            }
            return out;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot read models: " + e.getMessage(), e);
        }
    }

    /**
     * Reads an eval shard file with the runtime's reader (which reads files only).
     *
     * @throws IllegalArgumentException "eval shard for NAME: ..." when it is not a readable shard
     */
    public static EvalShard parseShard(byte[] shardFile, String name) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("tinyfleet-shard", ".tfshard");
            Files.write(tmp, shardFile);
            return EvalShard.read(tmp);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("eval shard for " + name + ": "
                    + (tmp == null ? e.getMessage() : e.getMessage().replace(tmp.toString(), "the uploaded shard")), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the eval shard for " + name + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    private static void writeOnce(Path file, byte[] bytes) throws IOException {
        if (Files.exists(file) && Files.size(file) == bytes.length) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
