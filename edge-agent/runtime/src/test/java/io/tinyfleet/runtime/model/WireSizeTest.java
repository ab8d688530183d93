package io.tinyfleet.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.github.luben.zstd.Zstd;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireSizeTest {

    @Test
    void zstd_roundTrips_andShrinksRedundantBytes() {
        byte[] zeros = new byte[100_000];
        byte[] packed = WireSize.zstd(zeros, new int[0], WireSize.LEVEL);
        assertTrue(packed.length < 1_000, "zeros compress to " + packed.length);
        assertArrayEquals(zeros, Zstd.decompress(packed, zeros.length));
    }

    @Test
    void zstd_barelyShrinksRandomBytes() {
        byte[] noise = new byte[50_000];
        new Random(3).nextBytes(noise);
        assertTrue(WireSize.zstd(noise, new int[0], WireSize.LEVEL).length >= noise.length, "random data does not compress");
    }

    @Test
    void zstd_refusesAnUnknownLevel() {
        assertThrows(IllegalArgumentException.class, () -> WireSize.zstd(new byte[1], new int[0], 30));
    }

    /**
     * A clustered-looking model: the gaps of a sparse weight (small values, skewed), its 4-bit codebook
     * indices packed two per byte (near uniform), a small codebook, and provenance text in the metadata.
     */
    private static OnnxModel clusteredLike() {
        Random r = new Random(7);
        byte[] gaps = new byte[4000];
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = (byte) Math.min(255, (int) (-Math.log(1 - r.nextDouble()) * 12));
        }
        byte[] indices = new byte[2000];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = (byte) (r.nextInt(13) | r.nextInt(13) << 4);
        }
        StringBuilder text = new StringBuilder("{\"v\":2,\"steps\":[");
        for (int i = 0; i < 12; i++) {
            text.append("{\"step\":\"prune:sparsity=0.9").append(i).append("\",\"out\":\"")
                    .append(OnnxModel.sha256Hex(new byte[] {(byte) i})).append("\",\"ms\":").append(r.nextInt(99999))
                    .append("},");
        }
        text.append("]}");
        return new GraphBuilder("clustered", 17)
                .input("x", DataType.FLOAT, 1, 4).output("y", DataType.FLOAT, 1, 4)
                .initializer(Tensors.raw("gaps", DataType.UINT8, new long[] {gaps.length}, gaps))
                .initializer(Tensors.raw("indices", DataType.UINT8, new long[] {indices.length}, indices))
                .initializer(Tensors.floats("codebook", new long[] {16}, new float[16]))
                .node("Identity", List.of("x"), List.of("y"))
                .build().withMetadata("provenance", text.toString());
    }

    @Test
    void modelCuts_bracketEveryLargeInitializer_andNothingElse() {
        OnnxModel m = clusteredLike();
        byte[] bytes = m.toBytes();
        int[] cuts = WireSize.modelCuts(bytes);
        // the two streams are adjacent: start of gaps, end of gaps = start of indices, end of indices
        assertEquals(3, cuts.length, Arrays.toString(cuts));
        int i = 0;
        for (String name : List.of("gaps", "indices")) {
            byte[] field = m.initializers().get(name).toByteArray();
            // between two cuts: the initializer's tag, its length and the serialised tensor
            assertTrue(cuts[i + 1] - cuts[i] > field.length && cuts[i + 1] - cuts[i] <= field.length + 3, name);
            assertArrayEquals(field, Arrays.copyOfRange(bytes, cuts[i + 1] - field.length, cuts[i + 1]), name);
            i++;
        }
        assertEquals(0, WireSize.modelCuts("not a protobuf \u0000\u00ff".getBytes()).length);
    }

    @Test
    void zstdModel_isOneFrameWithItsSize_andSmallerThanOneBlock() {
        byte[] bytes = clusteredLike().toBytes();
        byte[] cut = WireSize.zstdModel(bytes);
        assertEquals(bytes.length, Zstd.getFrameContentSize(cut));
        assertArrayEquals(bytes, Zstd.decompress(cut, bytes.length));
        assertEquals(cut.length, WireSize.of(clusteredLike()));
        long oneBlock = Zstd.compress(bytes, WireSize.LEVEL).length;
        assertTrue(cut.length < oneBlock - 50, "blocks around the streams: " + cut.length + " vs " + oneBlock);
    }

    @Test
    void zstdWithCuts_roundTripsWhateverTheCuts() {
        byte[] data = new byte[50_000];
        new Random(5).nextBytes(data);
        Arrays.fill(data, 10_000, 30_000, (byte) 3);
        for (int[] cuts : List.of(new int[0], new int[] {0, 10_000, 10_000, 30_000, 50_000, 70_000},
                new int[] {1, 2, 3, 49_999})) {
            byte[] z = WireSize.zstd(data, cuts, WireSize.LEVEL);
            assertArrayEquals(data, Zstd.decompress(z, (int) Zstd.getFrameContentSize(z)), Arrays.toString(cuts));
        }
        byte[] empty = WireSize.zstd(new byte[0], new int[] {5}, WireSize.LEVEL);
        assertEquals(0, Zstd.getFrameContentSize(empty));
        assertThrows(IllegalArgumentException.class, () -> WireSize.zstd(data, new int[0], 0));
    }

    @Test
    void parts_nameEachMetadataEntry_theStructure_theSmallAndEachLargeInitializer_andAddUpToTheFrame() {
        OnnxModel m = clusteredLike();
        List<WireSize.Part> parts = WireSize.parts(m);
        assertEquals(List.of("metadata provenance", "graph structure (1 nodes)", "1 small initializers",
                "initializer gaps", "initializer indices"), parts.stream().map(WireSize.Part::part).toList());
        WireSize.Part gaps = parts.get(3);
        // the skewed gaps pack well below their size; the near-uniform 4-bit pairs barely shrink
        assertTrue(gaps.wireBytes() < 0.8 * gaps.fileBytes(), gaps.toString());
        WireSize.Part indices = parts.get(4);
        assertTrue(indices.wireBytes() > 0.85 * indices.fileBytes(), indices.toString());
        long file = parts.stream().mapToLong(WireSize.Part::fileBytes).sum();
        long wire = parts.stream().mapToLong(WireSize.Part::wireBytes).sum();
        // packed alone, each part pays its own frame header and misses matches across parts: close, not equal
        assertEquals(m.toBytes().length, file, 16.0, "serialised parts against the file");
        assertEquals(WireSize.of(m), wire, 0.1 * WireSize.of(m), "parts against the frame");
    }
}
