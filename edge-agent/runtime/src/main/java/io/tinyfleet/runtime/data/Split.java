package io.tinyfleet.runtime.data;

/** Which half of an IDX dataset: {@code train-*} or {@code t10k-*} files. */
public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String filePrefix;

    Split(String filePrefix) {
        this.filePrefix = filePrefix;
    }

    /** File name prefix of this split in the IDX naming convention ({@code train} or {@code t10k}). */
    public String filePrefix() {
        return filePrefix;
    }

    /** Parses {@code train} or {@code test} (also {@code t10k}), case-insensitive. */
    public static Split parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "train" -> TRAIN;
            case "test", "t10k" -> TEST;
            default -> throw new IllegalArgumentException("unknown split '" + s + "': use train or test");
        };
    }
}
