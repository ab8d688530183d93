package io.tinyfleet.runtime.hw;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the procfs, sysfs and {@code /etc} trees are. The host's are {@code /proc}, {@code /sys}
 * and {@code /etc}; tests point them at fixture folders.
 *
 * @param proc procfs root (normally {@code /proc})
 * @param sys  sysfs root (normally {@code /sys})
 * @param etc  configuration root holding {@code os-release} (normally {@code /etc})
 */
public record SystemRoots(Path proc, Path sys, Path etc) {

    /** Null checks. */
    public SystemRoots {
        Objects.requireNonNull(proc, "proc");
        Objects.requireNonNull(sys, "sys");
        Objects.requireNonNull(etc, "etc");
    }

    /** The running host's roots. */
    public static SystemRoots host() {
        return new SystemRoots(Path.of("/proc"), Path.of("/sys"), Path.of("/etc"));
    }

    /** {@code root/proc}, {@code root/sys} and {@code root/etc}: a fixture tree or a mounted host. */
    public static SystemRoots under(Path root) {
        return new SystemRoots(root.resolve("proc"), root.resolve("sys"), root.resolve("etc"));
    }

    /** Whether these are the running host's own roots. */
    public boolean isHost() {
        return equals(host());
    }
}
