package io.tinyfleet.compression.search;

import java.time.Duration;

/** A time budget started now; {@link Duration#ZERO} means no budget. */
public final class Deadline {

    private final long start = System.nanoTime();
    private final long budgetNanos;

    /** A budget of {@code budget} from now (zero: unlimited). */
    public Deadline(Duration budget) {
        this.budgetNanos = budget.toNanos();
    }

    /** No budget. */
    public static Deadline none() {
        return new Deadline(Duration.ZERO);
    }

    /** Whether the budget is spent. */
    public boolean passed() {
        return budgetNanos > 0 && System.nanoTime() - start >= budgetNanos;
    }

    /** Seconds since start. */
    public double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** The budget in seconds (0: none). */
    public double budgetSeconds() {
        return budgetNanos / 1e9;
    }

    /**
     * Parses {@code 30m}, {@code 90s}, {@code 2h}, {@code 1h30m} or a plain number of seconds.
     *
     * @throws IllegalArgumentException naming the text
     */
    public static Duration parseBudget(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        if (!t.matches("(\\d+h)?(\\d+m)?(\\d+s)?") || t.isEmpty()) {
            throw new IllegalArgumentException("budget '" + text + "' must look like 30m, 90s, 2h or 1h30m");
        }
        return Duration.parse("PT" + t.toUpperCase(java.util.Locale.ROOT));
    }
}
