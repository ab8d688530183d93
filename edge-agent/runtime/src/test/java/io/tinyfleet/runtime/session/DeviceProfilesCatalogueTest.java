package io.tinyfleet.runtime.session;

import io.tinyfleet.runtime.profile.DeviceProfile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every file in {@code device-profiles/} loads with the validating loader and names providers ORT knows. */
class DeviceProfilesCatalogueTest {

    static Path dir() {
        String root = System.getProperty("tinyfleet.root");
        Path d = root != null ? Path.of(root, "device-profiles") : Path.of("../../device-profiles");
        Assumptions.assumeTrue(Files.isDirectory(d), "device-profiles not found at " + d.toAbsolutePath());
        return d;
    }

    static Stream<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyProfile_loads_withASourceForEachFigureGroup(Path file) {
        DeviceProfile p = DeviceProfile.load(file);
        for (String group : List.of("cpu", "memory", "storage", "power")) {
            assertFalse(p.sources().getOrDefault(group, "").isBlank(), file + ": no source for " + group);
        }
        assertFalse(p.onnxruntime().executionProviders().isEmpty());
        RuntimeOptions ro = RuntimeOptions.forProfile(p); // every provider name is one ONNX Runtime knows
        ro.executionProviders().forEach(Providers::parse);
    }

    @Test
    void catalogue_holdsTheIssuesDevices() throws IOException {
        List<String> names = files().map(f -> f.getFileName().toString()).toList();
        for (String want : List.of("raspberry-pi-4.yaml", "raspberry-pi-5.yaml", "raspberry-pi-zero-2w.yaml",
                "jetson-nano.yaml", "jetson-orin-nano.yaml", "coral-dev-board.yaml", "x86-laptop.yaml")) {
            assertTrue(names.contains(want), "missing device-profiles/" + want);
        }
    }
}
