package io.tinyfleet.compression;

/** Receives progress of long steps (calibration, sensitivity analysis, fine-tuning). */
@FunctionalInterface
public interface Progress {

    /** Ignores progress. */
    Progress NONE = (what, fraction) -> { };

    /** {@code fraction} in [0, 1] of {@code what}. */
    void report(String what, double fraction);
}
