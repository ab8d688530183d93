package io.tinyfleet.runtime.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceProfileTest {

    static final String VALID = """
            id: test-board
            name: Test board
            cpu: {model: "Cortex-A72", arch: aarch64, cores: 4, clockMhz: 1500, isaFeatures: [neon]}
            memoryMb: 4096
            storageMb: 32000
            accelerator: none
            power: {idleWatts: 2.7, loadedWatts: 6.4}
            onnxruntime: {executionProviders: [CPU], intraOpThreads: 4}
            sources: {cpu: "datasheet", memory: "datasheet", power: "measured", storage: "sd card"}
            """;

    private static String message(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> DeviceProfile.parse(yaml, "t.yaml")).getMessage();
    }

    @Test
    void parse_readsEveryField_whenValid() {
        DeviceProfile p = DeviceProfile.parse(VALID, "t.yaml");
        assertEquals("test-board", p.id());
        assertEquals("Test board", p.name());
        assertEquals(new DeviceProfile.Cpu("Cortex-A72", "aarch64", 4, 1500, List.of("neon")), p.cpu());
        assertEquals(4096L * 1024 * 1024, p.memoryBytes());
        assertEquals(32000, p.storageMb());
        assertFalse(p.hasAccelerator());
        assertEquals(2.7, p.power().idleWatts());
        assertEquals(List.of("CPU"), p.onnxruntime().executionProviders());
        assertEquals(4, p.onnxruntime().intraOpThreads());
        assertEquals("measured", p.sources().get("power"));
    }

    @Test
    void parse_namesField_whenIdleWattsNotPositive() {
        assertEquals("device profile t.yaml: field 'power.idleWatts' must be > 0, got 0.0",
                message(VALID.replace("idleWatts: 2.7", "idleWatts: 0.0")));
    }

    @Test
    void parse_namesField_whenRequiredMissing() {
        assertTrue(message(VALID.replace("memoryMb: 4096\n", "")).contains("field 'memoryMb' is required"));
        assertTrue(message(VALID.replace("cores: 4, ", "")).contains("field 'cpu.cores' is required"));
    }

    @Test
    void parse_namesField_whenTypeWrong() {
        assertTrue(message(VALID.replace("cores: 4", "cores: four")).contains("field 'cpu.cores' must be a whole number"));
        assertTrue(message(VALID.replace("[CPU]", "CPU")).contains("field 'onnxruntime.executionProviders' must be a list"));
    }

    @Test
    void parse_refuses_unknownArchitecture() {
        assertTrue(message(VALID.replace("arch: aarch64", "arch: mips"))
                .contains("field 'cpu.arch' must be one of [x86_64, aarch64, armv7l], got 'mips'"));
    }

    @Test
    void parse_refuses_misspeltKey() {
        assertTrue(message(VALID.replace("clockMhz", "clockMHz")).contains("field 'cpu.clockMHz' is not a known key"));
    }

    @Test
    void parse_refuses_badId() {
        assertTrue(message(VALID.replace("id: test-board", "id: Test_Board")).contains("field 'id' must match [a-z0-9-]+"));
    }

    @Test
    void parse_requiresSource_forEveryFigureGroup() {
        assertTrue(message(VALID.replace("power: \"measured\", ", "")).contains("field 'sources.power' is required"));
        assertTrue(message(VALID.replace("accelerator: none", "accelerator: npu"))
                .contains("field 'sources.accelerator' is required"));
    }

    @Test
    void parse_refuses_loadedBelowIdle() {
        assertTrue(message(VALID.replace("loadedWatts: 6.4", "loadedWatts: 1.0"))
                .contains("field 'power.loadedWatts' must be >= power.idleWatts"));
    }

    @Test
    void parse_refuses_emptyProviders() {
        assertTrue(message(VALID.replace("[CPU]", "[]")).contains("field 'onnxruntime.executionProviders' must not be empty"));
    }

    @Test
    void parse_saysNotYaml_whenSyntaxBroken() {
        assertTrue(message("id: [unclosed").startsWith("device profile t.yaml: not valid YAML"));
        assertTrue(message("- a\n- b\n").contains("must be a YAML mapping"));
    }

    @Test
    void load_requiresIdToMatchFileName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("other-name.yaml");
        Files.writeString(file, VALID);
        String msg = assertThrows(IllegalArgumentException.class, () -> DeviceProfile.load(file)).getMessage();
        assertTrue(msg.contains("field 'id' must equal the file name 'other-name'"), msg);
        Files.writeString(dir.resolve("test-board.yaml"), VALID);
        assertEquals("test-board", DeviceProfile.load(dir.resolve("test-board.yaml")).id());
    }

    @Test
    void load_saysCannotRead_whenFileMissing(@TempDir Path dir) {
        String msg = assertThrows(IllegalArgumentException.class,
                () -> DeviceProfile.load(dir.resolve("nope.yaml"))).getMessage();
        assertTrue(msg.contains("nope.yaml: cannot read"), msg);
    }

    @Test
    void everyShippedProfile_loads() throws Exception {
        Path dir = Path.of(System.getProperty("tinyfleet.root", "../.."), "device-profiles");
        assertTrue(Files.isDirectory(dir), dir + " exists");
        try (var files = Files.list(dir)) {
            List<Path> yamls = files.filter(f -> f.toString().endsWith(".yaml")).toList();
            assertTrue(yamls.stream().anyMatch(f -> f.getFileName().toString().equals("x86-laptop.yaml")));
            for (Path f : yamls) {
                DeviceProfile.load(f); // throws naming the file and field if the catalogue is wrong
            }
        }
    }
}
