package io.tinyfleet.runtime.profile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One kind of device, as described by a file in {@code device-profiles/}.
 *
 * <p>Schema (YAML; units are part of the key names):
 * <pre>
 * id: x86-laptop                 # required, [a-z0-9-]+, equals the file name stem
 * name: Generic x86-64 laptop
 * cpu: {model: "...", arch: x86_64|aarch64|armv7l, cores: 4, clockMhz: 2400, isaFeatures: [avx2, fma]}
 * memoryMb: 16384
 * storageMb: 256000
 * accelerator: none              # or e.g. "nvidia-maxwell-128-core"
 * power: {idleWatts: 5.0, loadedWatts: 25.0}
 * onnxruntime: {executionProviders: [CPU], intraOpThreads: 4}
 * sources: {cpu: "...", memory: "...", power: "...", storage: "..."}
 * </pre>
 * Every key is required except {@code cpu.isaFeatures} (default: none) and {@code accelerator}
 * (default: {@code none}). {@code sources} needs an entry for each figure group ({@code cpu},
 * {@code memory}, {@code storage}, {@code power}, and {@code accelerator} when there is one); other
 * keys there are allowed. Unknown keys elsewhere are refused, so that a misspelt key never silently
 * falls back to a default.
 *
 * @param id          file name stem, {@code [a-z0-9-]+}
 * @param name        human-readable name
 * @param cpu         processor
 * @param memoryMb    RAM in MiB
 * @param storageMb   storage in MiB
 * @param accelerator {@code none} or a short accelerator name
 * @param power       idle and loaded power draw
 * @param onnxruntime how ONNX Runtime runs on this device
 * @param sources     where each figure group comes from (URL or document), by group name
 */
public record DeviceProfile(
        String id,
        String name,
        Cpu cpu,
        long memoryMb,
        long storageMb,
        String accelerator,
        Power power,
        OnnxRuntime onnxruntime,
        Map<String, String> sources) {

    /** Value of {@link #accelerator()} for a device without one. */
    public static final String NO_ACCELERATOR = "none";

    /** CPU architectures a profile may name (the values of {@code uname -m}). */
    public static final List<String> ARCHITECTURES = List.of("x86_64", "aarch64", "armv7l");

    /**
     * The processor.
     *
     * @param model       marketing name, e.g. "Cortex-A72"
     * @param arch        one of {@link #ARCHITECTURES}
     * @param cores       number of cores (&gt; 0)
     * @param clockMhz    maximum clock in MHz (&gt; 0)
     * @param isaFeatures instruction-set extensions, e.g. avx2, neon (may be empty)
     */
    public record Cpu(String model, String arch, int cores, int clockMhz, List<String> isaFeatures) {
        /** Defensive copy: the profile is immutable. */
        public Cpu {
            isaFeatures = List.copyOf(isaFeatures);
        }
    }

    /**
     * Power draw of the whole device.
     *
     * @param idleWatts   idle (&gt; 0)
     * @param loadedWatts all cores busy (&ge; idle)
     */
    public record Power(double idleWatts, double loadedWatts) {
    }

    /**
     * How ONNX Runtime runs on the device.
     *
     * @param executionProviders providers in preference order, e.g. [CPU] or [CUDA, CPU]; not empty
     * @param intraOpThreads     threads for one operator (&ge; 1)
     */
    public record OnnxRuntime(List<String> executionProviders, int intraOpThreads) {
        /** Defensive copy: the profile is immutable. */
        public OnnxRuntime {
            executionProviders = List.copyOf(executionProviders);
        }
    }

    /** Defensive copies and null checks; field validation happens in {@link #parse}. */
    public DeviceProfile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(power, "power");
        Objects.requireNonNull(onnxruntime, "onnxruntime");
        sources = Map.copyOf(sources);
    }

    /** RAM in bytes. */
    public long memoryBytes() {
        return memoryMb * 1024L * 1024L;
    }

    /** Storage in bytes. */
    public long storageBytes() {
        return storageMb * 1024L * 1024L;
    }

    /** Whether the device has an accelerator besides its CPU. */
    public boolean hasAccelerator() {
        return !NO_ACCELERATOR.equals(accelerator);
    }

    /**
     * Reads and validates a profile file; its {@code id} must equal the file name without
     * {@code .yaml}/{@code .yml}.
     *
     * @throws IllegalArgumentException naming the file and the bad field, or saying the file cannot
     *                                  be read
     */
    public static DeviceProfile load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("device profile " + file + ": cannot read: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        DeviceProfile profile = parse(text, file.toString());
        String stem = stem(file);
        if (!profile.id().equals(stem)) {
            throw new IllegalArgumentException("device profile " + file + ": field 'id' must equal the file name '"
                    + stem + "', got '" + profile.id() + "'");
        }
        return profile;
    }

    /**
     * Parses and validates a profile.
     *
     * @param yaml   the profile text
     * @param origin where it came from (a file name), used in error messages
     * @throws IllegalArgumentException "device profile ORIGIN: field 'power.idleWatts' must be &gt; 0"
     */
    public static DeviceProfile parse(String yaml, String origin) {
        return new ProfileReader(origin).read(yaml);
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        for (String ext : List.of(".yaml", ".yml")) {
            if (name.endsWith(ext)) {
                return name.substring(0, name.length() - ext.length());
            }
        }
        return name;
    }
}
