package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import io.tinyfleet.runtime.profile.DeviceProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Fixture trees under {@code src/test/resources/sensors/<board>/{proc,sys}} that mimic real boards. */
final class Fixtures {

    private Fixtures() {
    }

    /** The fixture folder of {@code board}, read-only. */
    static Path dir(String board) {
        URL url = Fixtures.class.getResource("/sensors/" + board);
        if (url == null) {
            throw new IllegalArgumentException("no sensor fixture " + board);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Roots of a read-only fixture. */
    static SystemRoots roots(String board) {
        return SystemRoots.under(dir(board));
    }

    /** Copies a fixture into {@code target} (to change files during a test) and returns its roots. */
    static SystemRoots copy(String board, Path target) {
        Path from = dir(board);
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = target.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SystemRoots.under(target);
    }

    static void write(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, value + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 4-core profile drawing 5 W idle and 25 W loaded. */
    static DeviceProfile profile() {
        return new DeviceProfile("test-board", "Test board",
                new DeviceProfile.Cpu("Cortex-A72", "aarch64", 4, 1500, List.of()),
                4096, 32000, DeviceProfile.NO_ACCELERATOR,
                new DeviceProfile.Power(5.0, 25.0),
                new DeviceProfile.OnnxRuntime(List.of("CPU"), 4),
                Map.of("power", "test"));
    }

    /** A clock the test advances by hand. */
    static final class FakeNanos implements java.util.function.LongSupplier {
        long now = 1_000_000_000L;

        @Override
        public long getAsLong() {
            return now;
        }

        void advanceSeconds(double s) {
            now += Math.round(s * 1e9);
        }
    }
}
