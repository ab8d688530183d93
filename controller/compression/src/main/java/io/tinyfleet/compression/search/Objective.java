package io.tinyfleet.compression.search;

import java.util.function.ToDoubleFunction;

/**
 * One axis of the trade-off: a figure of an item and whether more or less of it is better.
 * A value of {@code NaN} means "not measured": such an item is left out of any front.
 *
 * @param name     figure name, e.g. {@code accuracy}
 * @param value    reads the figure
 * @param maximise true when more is better (accuracy), false when less is (bytes, milliseconds)
 * @param <T>      item type
 */
public record Objective<T>(String name, ToDoubleFunction<T> value, boolean maximise) {

    /** An objective to maximise. */
    public static <T> Objective<T> max(String name, ToDoubleFunction<T> value) {
        return new Objective<>(name, value, true);
    }

    /** An objective to minimise. */
    public static <T> Objective<T> min(String name, ToDoubleFunction<T> value) {
        return new Objective<>(name, value, false);
    }

    /** The figure turned so that smaller is better. */
    double cost(T item) {
        double v = value.applyAsDouble(item);
        return maximise ? -v : v;
    }
}
