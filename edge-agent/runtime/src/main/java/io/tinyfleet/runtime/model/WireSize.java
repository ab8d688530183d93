package io.tinyfleet.runtime.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Bytes a model takes on the wire: its serialised form compressed with Zstandard (RFC 8878) at
 * {@link #LEVEL}, one frame with its content size, every large initializer in zstd blocks of its
 * own (see {@link #modelCuts}). Every part of TinyFleet that reports or budgets transfer size
 * (inspect, compression reports, the search) uses {@link #of}, and the controller packs OTA bundles
 * with {@link #zstd(byte[], int[], int)} and the same cuts, so the figures are what is sent. Any
 * zstd decoder reads the frames: where blocks end is the compressor's choice.
 */
public final class WireSize {

    /**
     * Zstandard level 3, zstd's default and the level the controller's artifact store packs OTA bundles
     * with, so that the reported figure is what is actually sent. Float weights barely compress further:
     * on {@code ultraface_version-RFB-320.onnx} (1,220,755 bytes) level 3 gives 1,037,225 bytes in 0.24 s
     * and level 19 gives 1,031,656 bytes (0.5 % less) in 1.9 s (zstd 1.5 CLI, this 2-core machine),
     * too slow for a search that sizes hundreds of candidates. Clustered models gain little more: the MLP
     * wire chain (44,034-byte file, large initializers in blocks of their own) packs into 30,463 bytes at
     * level 3, 29,784 at 15 and 30,433 at 19 (zstd-jni, this machine). {@link #zstd(byte[], int[], int)}
     * packs at any other level.
     */
    public static final int LEVEL = 3;

    /** Initializers of at least this many serialised bytes get zstd blocks of their own. */
    public static final int OWN_BLOCK_BYTES = 1024;

    private WireSize() {
    }

    /** Wire size of a model: {@link #zstdModel} of its bytes. */
    public static long of(OnnxModel model) {
        return zstdModel(model.toBytes()).length;
    }

    /** A serialised ONNX model compressed for the wire: {@link #LEVEL}, cut at {@link #modelCuts}. */
    public static byte[] zstdModel(byte[] onnx) {
        return zstd(onnx, modelCuts(onnx), LEVEL);
    }

    /**
     * One zstd frame of {@code data} at {@code level}, with its content size, in which a block ends at
     * every offset of {@code cuts} (ascending; others, and those outside (0, length), are ignored). zstd builds its
     * entropy tables per block: on an 11 KB clustered LeNet-5 file, where the gaps and codebook indices of
     * the sparse weights sit between protobuf structure and the provenance JSON, ending blocks around the
     * two index tensors gave 7,534 bytes instead of 8,224 in one block (-8.4 %), and 17,560 instead of
     * 19,449 on a clustered MLP; fp32 files gain about 0.1 %.
     */
    public static byte[] zstd(byte[] data, int[] cuts, int level) {
        checkLevel(level);
        ByteBuffer src = ByteBuffer.allocateDirect(Math.max(1, data.length));
        src.put(data).flip();
        ByteBuffer dst = ByteBuffer.allocateDirect((int) Zstd.compressBound(data.length) + 16 * (cuts.length + 1) + 64);
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(level);
            ctx.setContentSize(true);
            ctx.setPledgedSrcSize(data.length);
            int done = 0;
            for (int cut : cuts) {
                if (cut > done && cut < data.length) {
                    compressUpTo(ctx, src, dst, cut, EndDirective.FLUSH);
                    done = cut;
                }
            }
            compressUpTo(ctx, src, dst, data.length, EndDirective.END);
        }
        dst.flip();
        byte[] out = new byte[dst.remaining()];
        dst.get(out);
        return out;
    }

    /** Feeds {@code src} up to offset {@code end} and ends a block ({@code FLUSH}) or the frame ({@code END}). */
    private static void compressUpTo(ZstdCompressCtx ctx, ByteBuffer src, ByteBuffer dst, int end, EndDirective how) {
        src.limit(end);
        while (!ctx.compressDirectByteBufferStream(dst, src, how)) {
            if (!dst.hasRemaining()) {
                throw new IllegalStateException("zstd output exceeded its bound");
            }
        }
    }

    /**
     * Offsets in a serialised ONNX model where its large graph initializers (at least
     * {@link #OWN_BLOCK_BYTES} serialised bytes) start and end, ascending: their raw data (weights, or
     * the index and gap streams of clustered weights) follows statistics unlike the protobuf structure
     * and metadata text around them. Empty when the bytes are not a protobuf message.
     */
    public static int[] modelCuts(byte[] onnx) {
        TreeSet<Integer> cuts = new TreeSet<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(onnx);
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                if (WireFormat.getTagFieldNumber(tag) != 7 || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    in.skipField(tag);
                    continue;
                }
                int limit = in.pushLimit(in.readRawVarint32()); // ModelProto.graph
                while (!in.isAtEnd()) {
                    int start = in.getTotalBytesRead();
                    int t = in.readTag();
                    in.skipField(t);
                    int end = in.getTotalBytesRead();
                    if (WireFormat.getTagFieldNumber(t) == 5 && end - start >= OWN_BLOCK_BYTES) { // GraphProto.initializer
                        cuts.add(start);
                        cuts.add(end);
                    }
                }
                in.popLimit(limit);
            }
        } catch (IOException | RuntimeException e) {
            return new int[0];
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Where a model's wire bytes go: one part per metadata entry, the graph's structure (nodes, inputs,
     * outputs, value infos and model header), its small initializers together, and each initializer that
     * gets blocks of its own ({@link #OWN_BLOCK_BYTES} or more), the largest first. Each part is
     * serialised alone and packed alone at {@link #LEVEL}, so its figure includes a zstd frame header (a
     * few bytes) and misses matches with other parts: the sum is close to, not equal to, {@link #of}. On a
     * clustered LeNet-5 chain (6,872 wire bytes) it showed the gap and index streams taking 4,401 bytes
     * and the provenance record 932.
     */
    public static List<Part> parts(OnnxModel model) {
        ModelProto m = model.proto();
        List<Part> parts = new ArrayList<>();
        for (StringStringEntryProto p : m.getMetadataPropsList()) {
            parts.add(part("metadata " + p.getKey(), ModelProto.newBuilder().addMetadataProps(p).build().toByteArray()));
        }
        GraphProto g = m.getGraph();
        GraphProto.Builder small = GraphProto.newBuilder();
        List<Part> large = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) {
            byte[] b = GraphProto.newBuilder().addInitializer(t).build().toByteArray();
            if (b.length >= OWN_BLOCK_BYTES) {
                large.add(part("initializer " + t.getName(), b));
            } else {
                small.addInitializer(t);
            }
        }
        ModelProto structure = m.toBuilder().clearMetadataProps()
                .setGraph(g.toBuilder().clearInitializer()).build();
        parts.add(part("graph structure (" + g.getNodeCount() + " nodes)", structure.toByteArray()));
        if (small.getInitializerCount() > 0) {
            parts.add(part(small.getInitializerCount() + " small initializers", small.build().toByteArray()));
        }
        large.sort((a, b) -> Long.compare(b.wireBytes(), a.wireBytes()));
        parts.addAll(large);
        return parts;
    }

    private static Part part(String name, byte[] bytes) {
        return new Part(name, bytes.length, Zstd.compress(bytes, LEVEL).length);
    }

    /**
     * One part of a model's wire bytes ({@link #parts}).
     *
     * @param part      what it is: {@code metadata KEY}, the graph structure, the small initializers, or
     *                  {@code initializer NAME}
     * @param fileBytes its serialised size
     * @param wireBytes its size packed alone at {@link #LEVEL}
     */
    public record Part(String part, long fileBytes, long wireBytes) {
    }

    private static void checkLevel(int level) {
        if (level < 1 || level > 22) {
            throw new IllegalArgumentException("zstd level must be within 1..22, got " + level);
        }
    }
}
