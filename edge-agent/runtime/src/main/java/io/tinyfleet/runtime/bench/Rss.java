package io.tinyfleet.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident set size of this process from {@code /proc/self/status} (Linux): ONNX Runtime's Java API
 * has no per-session memory figure, so memory is measured as the whole process (JVM included).
 * Off Linux both figures are empty ("unknown"), never a made-up number.
 */
public final class Rss {

    private static final Path STATUS = Path.of("/proc/self/status");

    private Rss() {
    }

    /** Current RSS ({@code VmRSS}) in bytes. */
    public static OptionalLong current() {
        return field("VmRSS:");
    }

    /** Peak RSS since process start ({@code VmHWM}) in bytes. */
    public static OptionalLong peak() {
        return field("VmHWM:");
    }

    static OptionalLong parse(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                String[] parts = line.substring(key.length()).trim().split("\\s+");
                long v = Long.parseLong(parts[0]);
                long unit = parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? 1024L : 1L;
                return OptionalLong.of(v * unit);
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong field(String key) {
        try {
            return Files.isReadable(STATUS) ? parse(Files.readString(STATUS), key) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
