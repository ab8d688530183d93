package io.tinyfleet.runtime.hw;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fixture trees that mimic /proc, /sys and /etc of an x86 VM and of a Raspberry Pi 4. */
class HardwareProbeTest {

    private static void write(Path root, String rel, String text) throws IOException {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private static String x86Cpu(int processor, int core) {
        return """
                processor\t: %d
                vendor_id\t: AuthenticAMD
                model name\t: AMD EPYC
                physical id\t: 0
                siblings\t: 4
                core id\t\t: %d
                cpu MHz\t\t: 2096.011
                cpu cores\t: 2
                flags\t\t: fpu sse sse2 avx avx2 fma

                """.formatted(processor, core);
    }

    @Test
    void inventory_readsX86Fixture(@TempDir Path root) throws IOException {
        // 4 hardware threads on 2 cores (hyper-threading)
        write(root, "proc/cpuinfo", x86Cpu(0, 0) + x86Cpu(1, 1) + x86Cpu(2, 0) + x86Cpu(3, 1));
        write(root, "proc/meminfo", "MemTotal:       16384000 kB\nMemFree:  1 kB\n");
        write(root, "proc/sys/kernel/hostname", "vm1\n");
        write(root, "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "3400000\n");
        write(root, "sys/devices/system/cpu/cpu1/cpufreq/cpuinfo_max_freq", "3600000\n");
        write(root, "etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");

        HardwareInventory inv = new HardwareProbe(SystemRoots.under(root), false).inventory();

        assertEquals("AMD EPYC", inv.cpuModel());
        assertEquals(4, inv.logicalCores());
        assertEquals(2, inv.physicalCores());
        assertEquals(3_600_000_000L, inv.maxFrequencyHz());
        assertEquals(16384000L * 1024, inv.totalMemoryBytes());
        assertEquals("Debian GNU/Linux 12 (bookworm)", inv.os());
        assertEquals("vm1", inv.hostname());
        assertTrue(inv.hasCpuFeature("avx2"));
        assertEquals("", inv.boardModel());
    }

    @Test
    void inventory_takesKernelMhz_whenNoCpufreq(@TempDir Path root) throws IOException {
        write(root, "proc/cpuinfo", x86Cpu(0, 0));
        HardwareInventory inv = new HardwareProbe(SystemRoots.under(root), false).inventory();
        assertEquals(2_096_011_000L, inv.maxFrequencyHz());
    }

    @Test
    void inventory_readsRaspberryPiFixture(@TempDir Path root) throws IOException {
        StringBuilder cpuinfo = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            cpuinfo.append("processor\t: ").append(i).append("\nBogoMIPS\t: 108.00\n")
                    .append("Features\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n")
                    .append("CPU part\t: 0xd08\n\n");
        }
        cpuinfo.append("Hardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n");
        write(root, "proc/cpuinfo", cpuinfo.toString());
        write(root, "proc/meminfo", "MemTotal:        3884108 kB\n");
        write(root, "sys/firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\0");
        write(root, "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "1800000\n");

        HardwareInventory inv = new HardwareProbe(SystemRoots.under(root), false).inventory();

        assertEquals("Cortex-A72", inv.cpuModel());
        assertEquals(4, inv.logicalCores());
        assertEquals(4, inv.physicalCores());
        assertEquals(1_800_000_000L, inv.maxFrequencyHz());
        assertEquals("Raspberry Pi 4 Model B Rev 1.4", inv.boardModel());
        assertEquals(List.of("fp", "asimd", "evtstrm", "crc32", "cpuid"), inv.cpuFeatures());
    }

    @Test
    void inventory_reportsUnknown_whenFilesMissing(@TempDir Path root) {
        HardwareInventory inv = new HardwareProbe(SystemRoots.under(root), false).inventory();
        assertEquals("", inv.cpuModel());
        assertEquals(0, inv.maxFrequencyHz());
        assertEquals(0, inv.totalMemoryBytes());
        assertEquals("", inv.os());
    }

    @Test
    void forHost_findsCpuAndMemory() {
        HardwareInventory inv = HardwareProbe.forHost().inventory();
        assertTrue(inv.logicalCores() >= 1, inv.toString());
        assertTrue(inv.totalMemoryBytes() > 0, inv.toString());
        assertTrue(!inv.cpuModel().isEmpty(), inv.toString());
    }
}
