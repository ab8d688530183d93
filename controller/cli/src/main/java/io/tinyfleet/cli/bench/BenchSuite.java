package io.tinyfleet.cli.bench;

import java.util.Map;

/**
 * One benchmark suite of {@code tinyfleet bench}: measures a target of an issue and returns
 * the figures (plain maps, lists, numbers and strings) that {@code bench} prints as JSON and
 * writes to a results file. A suite reports what it measured, including ratios against a
 * reference measured in the same run; it never asserts.
 */
public interface BenchSuite {

    /** Short id used on the command line, e.g. {@code training}. */
    String name();

    /** One line saying what it measures. */
    String description();

    /** Runs the suite and returns its figures. */
    Map<String, Object> run(BenchOptions options) throws Exception;
}
