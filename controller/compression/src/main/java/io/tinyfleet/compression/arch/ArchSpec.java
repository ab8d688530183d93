package io.tinyfleet.compression.arch;

import java.util.List;

/**
 * An architecture and its size: {@code width} multiplies every hidden width (channels, units),
 * {@code depth} counts the repeatable blocks (hidden layers of {@code mlp}, fully connected hidden
 * layers of {@code lenet5}, depthwise-separable blocks of {@code mobile}). A narrower or
 * shallower spec is a distillation <em>student</em> of the full one.
 *
 * <p>Text form: {@code lenet5}, {@code lenet5:width=0.5}, {@code mobile:width=0.5,depth=2}.
 *
 * @param arch  {@code mlp}, {@code lenet5} or {@code mobile}
 * @param width width multiplier, > 0 (1 = the baseline)
 * @param depth number of repeatable blocks (0 = the baseline's)
 */
public record ArchSpec(String arch, double width, int depth) {

    /** The architectures known. */
    public static final List<String> ARCHS = List.of("mlp", "lenet5", "mobile");

    public ArchSpec {
        if (!ARCHS.contains(arch)) {
            throw new IllegalArgumentException("unknown architecture '" + arch + "' (known: " + String.join(", ", ARCHS) + ")");
        }
        if (!(width > 0 && width <= 8)) {
            throw new IllegalArgumentException("width must be in (0, 8], got " + width);
        }
        int max = maxDepth(arch);
        if (depth < 0 || depth > max) {
            throw new IllegalArgumentException("depth of " + arch + " must be in 0.." + max + " (0 = baseline), got " + depth);
        }
    }

    /** The baseline of an architecture. */
    public static ArchSpec of(String arch) {
        return new ArchSpec(arch, 1.0, 0);
    }

    /** A student of this architecture with the given width multiplier and depth. */
    public ArchSpec student(double width, int depth) {
        return new ArchSpec(arch, width, depth);
    }

    /** Parses {@code name[:width=W][,depth=D]}. */
    public static ArchSpec parse(String text) {
        String[] parts = text.trim().split(":", 2);
        double width = 1.0;
        int depth = 0;
        if (parts.length > 1) {
            for (String kv : parts[1].split(",")) {
                String[] p = kv.split("=", 2);
                if (p.length != 2) {
                    throw new IllegalArgumentException("bad architecture option '" + kv + "' in '" + text + "' (use key=value)");
                }
                try {
                    switch (p[0].trim()) {
                        case "width" -> width = Double.parseDouble(p[1].trim());
                        case "depth" -> depth = Integer.parseInt(p[1].trim());
                        default -> throw new IllegalArgumentException("unknown architecture option '" + p[0]
                                + "' in '" + text + "' (width, depth)");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad number '" + p[1] + "' in '" + text + "'");
                }
            }
        }
        return new ArchSpec(parts[0].trim(), width, depth);
    }

    /** Baseline depth. */
    public int effectiveDepth() {
        return depth == 0 ? baselineDepth(arch) : depth;
    }

    static int baselineDepth(String arch) {
        return switch (arch) {
            case "mlp", "lenet5" -> 2;
            default -> 4;
        };
    }

    static int maxDepth(String arch) {
        return switch (arch) {
            case "mlp" -> 4;
            case "lenet5" -> 2;
            default -> 4;
        };
    }

    /** Scales a baseline width, at least 1. */
    public int scale(int base) {
        return Math.max(1, (int) Math.round(base * width));
    }

    @Override
    public String toString() {
        if (width == 1.0 && depth == 0) {
            return arch;
        }
        return arch + ":width=" + width + ",depth=" + effectiveDepth();
    }
}
