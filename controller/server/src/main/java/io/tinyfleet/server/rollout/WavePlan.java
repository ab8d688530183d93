package io.tinyfleet.server.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * Waves of a rollout as text: comma-separated cumulative sizes, each a device count or a
 * percentage of the targets, e.g. {@code 1,50%,100%} = a canary device, then up to half, then
 * everyone. A plan that does not reach 100 % gets a final 100 % wave.
 */
public final class WavePlan {

    private final String text;
    private final List<String> steps;

    private WavePlan(String text, List<String> steps) {
        this.text = text;
        this.steps = steps;
    }

    /**
     * Parses a plan.
     *
     * @throws IllegalArgumentException naming the bad step
     */
    public static WavePlan parse(String text) {
        String t = text == null || text.isBlank() ? "100%" : text.replace(" ", "");
        List<String> steps = new ArrayList<>();
        for (String s : t.split(",")) {
            if (s.endsWith("%")) {
                double p = number(s.substring(0, s.length() - 1), s);
                if (p <= 0 || p > 100) {
                    throw new IllegalArgumentException("wave '" + s + "': a percentage must be in (0, 100]");
                }
            } else if (number(s, s) < 1 || s.contains(".")) {
                throw new IllegalArgumentException("wave '" + s + "': a device count must be a whole number >= 1");
            }
            steps.add(s);
        }
        return new WavePlan(String.join(",", steps), List.copyOf(steps));
    }

    private static double number(String s, String step) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("wave '" + step + "': expected a count like 1 or a percentage like 50%");
        }
    }

    /**
     * Cumulative target counts per wave for {@code n} targets: non-decreasing, the last equals
     * {@code n}; waves that would add nobody are dropped.
     */
    public List<Integer> cumulative(int n) {
        List<Integer> out = new ArrayList<>();
        int prev = 0;
        for (String s : steps) {
            int c = s.endsWith("%")
                    ? (int) Math.ceil(n * Double.parseDouble(s.substring(0, s.length() - 1)) / 100.0 - 1e-9)
                    : Integer.parseInt(s);
            c = Math.min(n, Math.max(c, prev));
            if (c > prev) {
                out.add(c);
                prev = c;
            }
        }
        if (prev < n) {
            out.add(n);
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }
}
