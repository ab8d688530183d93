package io.tinyfleet.compression.cluster;

/** Test access to the package-private relative-index encoder. */
public final class SparseIndicesAccess {

    private SparseIndicesAccess() {
    }

    /** Gaps and indices of {@link SparseIndices#entries}. */
    public static int[][] entries(int[] idx, int zero) {
        SparseIndices.Entries e = SparseIndices.entries(idx, zero);
        return new int[][] {e.gaps(), e.indices()};
    }

    /** Gaps, indices and per-weight counts of {@link SparseIndices#entries} over weights laid end to end. */
    public static int[][] entries(java.util.List<int[]> idx, int[] zero) {
        SparseIndices.Entries e = SparseIndices.entries(idx, zero);
        return new int[][] {e.gaps(), e.indices(), e.counts()};
    }

    /** {@link SparseIndices#decode} of {@code e} from {@link #entries}. */
    public static int[] decode(int[][] e, int numel, int zero) {
        return SparseIndices.decode(new SparseIndices.Entries(e[0], e[1], new int[] {e[0].length}), numel, zero);
    }
}
