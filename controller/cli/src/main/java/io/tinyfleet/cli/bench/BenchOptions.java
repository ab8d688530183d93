package io.tinyfleet.cli.bench;

import java.nio.file.Path;

/**
 * Options shared by every benchmark suite.
 *
 * @param data    dataset spec ({@code fashion-mnist} or a folder of IDX files)
 * @param workDir folder for models and intermediate files the suite produces
 * @param quick   a shorter run (fewer epochs, repetitions) for a smoke check; figures are
 *                labelled {@code quick} in the output
 * @param seed    random seed
 */
public record BenchOptions(String data, Path workDir, boolean quick, long seed) {
}
