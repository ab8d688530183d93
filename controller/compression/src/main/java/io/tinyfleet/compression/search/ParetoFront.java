package io.tinyfleet.compression.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pareto dominance over several objectives: an item dominates another when it is at least as good
 * in every objective and strictly better in one. The front is the set of items no other item
 * dominates. Items with an unmeasured ({@code NaN}) figure are never on a front.
 *
 * <p>Plain O(n² m) comparison: fronts here have hundreds of points, where the sorting algorithms
 * of NSGA-II (Deb et al. 2002) gain nothing worth their complexity. {@link #ranks} is the
 * non-dominated sorting of that paper (rank 0 = the front, rank 1 = the front once rank 0 is
 * removed, ...).
 */
public final class ParetoFront {

    private ParetoFront() {
    }

    /** Whether {@code a} dominates {@code b}. */
    public static <T> boolean dominates(T a, T b, List<Objective<T>> objectives) {
        boolean strictly = false;
        for (Objective<T> o : objectives) {
            double ca = o.cost(a);
            double cb = o.cost(b);
            if (ca > cb) {
                return false;
            }
            if (ca < cb) {
                strictly = true;
            }
        }
        return strictly;
    }

    /** Indices of the items on the front, in input order. */
    public static <T> List<Integer> indices(List<T> items, List<Objective<T>> objectives) {
        int[] rank = ranks(items, objectives);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < rank.length; i++) {
            if (rank[i] == 0) {
                out.add(i);
            }
        }
        return out;
    }

    /** The items on the front, in input order. */
    public static <T> List<T> of(List<T> items, List<Objective<T>> objectives) {
        return indices(items, objectives).stream().map(items::get).toList();
    }

    /**
     * Non-dominated sorting: the rank of each item (0 = on the front); items with an unmeasured
     * figure get {@link Integer#MAX_VALUE}.
     */
    public static <T> int[] ranks(List<T> items, List<Objective<T>> objectives) {
        int n = items.size();
        int[] rank = new int[n];
        Arrays.fill(rank, -1);
        boolean[] valid = new boolean[n];
        int remaining = 0;
        for (int i = 0; i < n; i++) {
            valid[i] = true;
            for (Objective<T> o : objectives) {
                if (Double.isNaN(o.value().applyAsDouble(items.get(i)))) {
                    valid[i] = false;
                }
            }
            if (valid[i]) {
                remaining++;
            } else {
                rank[i] = Integer.MAX_VALUE;
            }
        }
        for (int r = 0; remaining > 0; r++) {
            List<Integer> front = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (rank[i] != -1) {
                    continue;
                }
                boolean dominated = false;
                for (int j = 0; j < n && !dominated; j++) {
                    dominated = j != i && rank[j] == -1 && dominates(items.get(j), items.get(i), objectives);
                }
                if (!dominated) {
                    front.add(i);
                }
            }
            for (int i : front) {
                rank[i] = r;
            }
            remaining -= front.size();
        }
        return rank;
    }
}
