package io.tinyfleet.runtime.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable ONNX model: the {@link ModelProto} plus where it came from.
 *
 * <p>Loading checks what a user can get wrong (missing file, not ONNX, truncated, no graph,
 * external data that is not beside the file) and fails with a {@link ModelFormatException}
 * whose message names the file and the problem. Tensors stored as external data are read from
 * the model's folder and inlined, so every model in memory is self-contained.
 */
public final class OnnxModel {

    /** Domain names that mean the default ONNX operator set. */
    public static final String DEFAULT_DOMAIN = "";

    private static final int MAX_PROTO_BYTES = Integer.MAX_VALUE;

    private final ModelProto proto;
    private final String origin;
    private volatile byte[] bytes;

    private OnnxModel(ModelProto proto, String origin, byte[] bytes) {
        this.proto = Objects.requireNonNull(proto, "proto");
        this.origin = origin;
        this.bytes = bytes;
    }

    /** Wraps a model built in memory; {@code origin} names it in error messages. */
    public static OnnxModel of(ModelProto proto, String origin) {
        return new OnnxModel(proto, origin, null);
    }

    /** Wraps a model built in memory. */
    public static OnnxModel of(ModelProto proto) {
        return of(proto, "<in-memory model>");
    }

    /**
     * Reads and checks an ONNX file.
     *
     * @throws ModelFormatException naming the file when it is missing, not ONNX, truncated, has
     *                              no graph, or refers to external data that cannot be read
     */
    public static OnnxModel load(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("model file not found: " + file);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
        ModelProto proto = parseProto(data, file.toString());
        boolean hasExternal = proto.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        if (hasExternal) {
            proto = inlineExternalData(proto, file);
            return new OnnxModel(proto, file.toString(), null);
        }
        return new OnnxModel(proto, file.toString(), data);
    }

    /** Parses model bytes; {@code origin} names them in error messages. */
    public static OnnxModel parse(byte[] data, String origin) {
        return new OnnxModel(parseProto(data, origin), origin, data.clone());
    }

    private static ModelProto parseProto(byte[] data, String origin) {
        if (data.length == 0) {
            throw new ModelFormatException("not an ONNX model: " + origin + " is empty");
        }
        ModelProto proto;
        try {
            CodedInputStream in = CodedInputStream.newInstance(data);
            in.setSizeLimit(MAX_PROTO_BYTES);
            proto = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            String why = e.getMessage() != null && e.getMessage().contains("ended unexpectedly")
                    ? "the file is truncated" : "protobuf parse failed: " + e.getMessage();
            throw new ModelFormatException("not an ONNX model: " + origin + " (" + why + ")", e);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + origin + ": " + e.getMessage(), e);
        }
        if (!proto.hasGraph() || proto.getIrVersion() <= 0 || proto.getOpsetImportCount() == 0) {
            throw new ModelFormatException("not an ONNX model: " + origin
                    + " (no graph, IR version or opset import; is this an ONNX file?)");
        }
        if (proto.getGraph().getNodeCount() == 0 && proto.getGraph().getOutputCount() == 0) {
            throw new ModelFormatException("not an ONNX model: " + origin + " (the graph has no nodes and no outputs)");
        }
        return proto;
    }

    private static ModelProto inlineExternalData(ModelProto proto, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            Map<String, String> kv = new LinkedHashMap<>();
            for (StringStringEntryProto e : t.getExternalDataList()) {
                kv.put(e.getKey(), e.getValue());
            }
            String location = kv.get("location");
            if (location == null) {
                throw new ModelFormatException("model " + file + ": initializer '" + t.getName()
                        + "' uses external data without a location");
            }
            Path data = dir.resolve(location).normalize();
            if (!data.startsWith(dir)) {
                throw new ModelFormatException("model " + file + ": initializer '" + t.getName()
                        + "' points outside the model's folder: " + location);
            }
            long offset = Long.parseLong(kv.getOrDefault("offset", "0"));
            byte[] raw;
            try {
                byte[] all = Files.readAllBytes(data);
                long length = kv.containsKey("length") ? Long.parseLong(kv.get("length")) : all.length - offset;
                if (offset < 0 || length < 0 || offset + length > all.length) {
                    throw new ModelFormatException("model " + file + ": external data " + data
                            + " is too short for initializer '" + t.getName() + "'");
                }
                raw = java.util.Arrays.copyOfRange(all, (int) offset, (int) (offset + length));
            } catch (NoSuchFileException e) {
                throw new ModelFormatException("model " + file + " keeps initializer '" + t.getName()
                        + "' in external data file '" + location + "', which is not in " + dir);
            } catch (IOException e) {
                throw new ModelFormatException("model " + file + ": cannot read external data " + data
                        + ": " + e.getMessage(), e);
            }
            g.setInitializer(i, t.toBuilder().clearExternalData()
                    .setDataLocation(TensorProto.DataLocation.DEFAULT)
                    .setRawData(ByteString.copyFrom(raw)).build());
        }
        return proto.toBuilder().setGraph(g).build();
    }

    /** The protobuf message. */
    public ModelProto proto() {
        return proto;
    }

    /** The main graph. */
    public GraphProto graph() {
        return proto.getGraph();
    }

    /** Where the model came from (a path or a description), for messages. */
    public String origin() {
        return origin;
    }

    /** The serialised model. */
    public byte[] toBytes() {
        byte[] b = bytes;
        if (b == null) {
            b = proto.toByteArray();
            bytes = b;
        }
        return b.clone();
    }

    /** Size of the serialised model in bytes. */
    public long sizeBytes() {
        byte[] b = bytes;
        return b != null ? b.length : proto.getSerializedSize();
    }

    /** Writes the model to {@code file}, creating parent folders. */
    public void save(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Lower-case hex SHA-256 of the serialised model. */
    public String sha256() {
        return sha256Hex(toBytes());
    }

    /** Lower-case hex SHA-256 of {@code data}. */
    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Opset version imported for {@code domain} ({@code ""} or {@code "ai.onnx"} = default). */
    public Optional<Long> opset(String domain) {
        String d = "ai.onnx".equals(domain) ? DEFAULT_DOMAIN : domain;
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            String od = "ai.onnx".equals(o.getDomain()) ? DEFAULT_DOMAIN : o.getDomain();
            if (od.equals(d)) {
                return Optional.of(o.getVersion());
            }
        }
        return Optional.empty();
    }

    /** Opset of the default domain; throws when the model does not import it. */
    public long defaultOpset() {
        return opset(DEFAULT_DOMAIN).orElseThrow(() -> new ModelFormatException(
                "model " + origin + " imports no default ONNX opset"));
    }

    /** Initializers of the main graph by name, in file order. */
    public Map<String, TensorProto> initializers() {
        Map<String, TensorProto> m = new LinkedHashMap<>();
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            m.put(t.getName(), t);
        }
        return m;
    }

    /** The {@code metadata_props} as a map (later keys win). */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        for (StringStringEntryProto e : proto.getMetadataPropsList()) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /** A copy of this model with {@code key} set in {@code metadata_props}. */
    public OnnxModel withMetadata(String key, String value) {
        ModelProto.Builder b = proto.toBuilder();
        b.clearMetadataProps();
        Map<String, String> m = metadata();
        m.put(key, value);
        m.forEach((k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return new OnnxModel(b.build(), origin, null);
    }

    /** A copy of this model with a replaced graph. */
    public OnnxModel withGraph(GraphProto graph) {
        return new OnnxModel(proto.toBuilder().setGraph(graph).build(), origin, null);
    }

    @Override
    public String toString() {
        return "OnnxModel[" + origin + ", opset " + opset(DEFAULT_DOMAIN).orElse(-1L)
                + ", " + proto.getGraph().getNodeCount() + " nodes]";
    }
}
