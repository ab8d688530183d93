package io.tinyfleet.compression.prune;

/** Test access to package-private parts of {@link MagnitudePruning}. */
public final class MagnitudePruningAccess {

    private MagnitudePruningAccess() {
    }

    /** {@link MagnitudePruning#lampScores}. */
    public static float[] lampScores(float[] v) {
        return MagnitudePruning.lampScores(v);
    }
}
