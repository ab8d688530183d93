package io.tinyfleet.agent.telemetry;

import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.profile.MemoryCap;
import io.tinyfleet.runtime.session.RuntimeOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Running the agent on a development machine <em>as</em> a device profile ({@code --emulate ID}).
 *
 * <p>What is capped: ONNX Runtime intra-op threads (the profile's {@code onnxruntime.intraOpThreads},
 * never more than its core count), the providers (the profile's list), and memory: the process must
 * fit in the profile's RAM minus an OS reserve ({@link MemoryCap}). ONNX Runtime allocates natively, so
 * no JVM flag can cap it; instead every model load checks the measured RSS plus the model's estimated
 * session memory before loading and the measured RSS after loading, and refuses the model (health
 * check fails, benchmark fails) with both figures; ORT's CPU arena and memory-pattern pre-allocation
 * are off so native memory is returned, not hoarded. Telemetry carries the budget, so the controller
 * flags every sample whose RSS exceeds it. The JVM heap is part of that RSS; its ceiling is set at
 * launch, and {@link #notes()} say when this JVM's ceiling exceeds what the device's JVM would get.
 * CPU clock, cache, ISA and power are this host's: nothing is scaled, every report is labelled
 * {@code emulated} with the profile id, and power/energy are the profile's estimate or this host's
 * sensor, labelled so.
 *
 * @param profile the emulated device
 * @param cap     the memory cap (the profile's RAM minus the OS reserve)
 */
public record Emulation(DeviceProfile profile, MemoryCap cap) {

    /** Null checks; the cap must be the profile's. */
    public Emulation {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(cap, "cap");
        if (!cap.device().equals(profile.id()) || cap.ramBytes() != profile.memoryBytes()) {
            throw new IllegalArgumentException("memory cap " + cap + " is not " + profile.id() + "'s");
        }
    }

    /** Emulates {@code profile} with the default OS reserve ({@link MemoryCap#defaultReserveBytes}). */
    public Emulation(DeviceProfile profile) {
        this(profile, MemoryCap.forProfile(profile));
    }

    /**
     * A copy that leaves {@code mib} MiB of the profile's RAM to the OS ({@code --emulate-os-reserve}).
     *
     * @throws IllegalArgumentException when the reserve is negative or not below the profile's RAM
     */
    public Emulation withOsReserveMb(long mib) {
        if (mib < 0 || mib >= profile.memoryMb()) {
            throw new IllegalArgumentException("--emulate-os-reserve must be in 0.." + (profile.memoryMb() - 1)
                    + " MiB for " + profile.id() + " (" + profile.memoryMb() + " MiB RAM), got " + mib);
        }
        return new Emulation(profile, MemoryCap.forProfile(profile, mib << 20));
    }

    /**
     * Resolves {@code --emulate}: a profile id looked up as {@code ID.yaml} in {@code profilesDir}, or
     * a path to a profile file.
     *
     * @throws IllegalArgumentException naming the id and the folder searched when there is no such profile
     */
    public static Emulation resolve(String idOrFile, Path profilesDir) {
        if (idOrFile == null || idOrFile.isBlank()) {
            throw new IllegalArgumentException("--emulate needs a device profile id, e.g. raspberry-pi-4");
        }
        Path asFile = Path.of(idOrFile);
        if (idOrFile.endsWith(".yaml") || idOrFile.endsWith(".yml")) {
            return new Emulation(DeviceProfile.load(asFile));
        }
        Path f = profilesDir.resolve(idOrFile + ".yaml");
        if (!Files.isRegularFile(f)) {
            List<String> known = new ArrayList<>();
            try (var s = Files.list(profilesDir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                        .map(n -> n.substring(0, n.length() - 5)).sorted().forEach(known::add);
            } catch (java.io.IOException | RuntimeException e) {
                // folder missing: say so below
            }
            throw new IllegalArgumentException("--emulate " + idOrFile + ": no profile " + f
                    + (known.isEmpty() ? " (folder has no profiles)" : "; known: " + String.join(", ", known)));
        }
        return new Emulation(DeviceProfile.load(f));
    }

    /** Intra-op threads under emulation: the profile's, at most its cores. */
    public int threads() {
        return Math.max(1, Math.min(profile.onnxruntime().intraOpThreads(), profile.cpu().cores()));
    }

    /** Runtime options capped like the profile: threads, providers and memory. */
    public RuntimeOptions runtimeOptions() {
        return RuntimeOptions.forProfile(profile).withThreads(threads()).withMemoryCap(cap);
    }

    /** What the process may use: the profile's RAM minus the OS reserve. */
    public long memoryBudgetBytes() {
        return cap.budgetBytes();
    }

    /** A violation message when the measured {@code rssBytes} exceeds the budget; empty when it fits or is unknown. */
    public Optional<String> memoryViolation(long rssBytes) {
        return cap.violation(rssBytes);
    }

    /**
     * The heap ceiling the device's JVM would choose by default (a quarter of its RAM, the JVM's
     * {@code MaxRAMPercentage}); {@code -XX:MaxRAM=<RAM>} makes this JVM size its heap the same way.
     */
    public long deviceDefaultHeapBytes() {
        return profile.memoryBytes() / 4;
    }

    /** What emulation does and does not do, for report notes. */
    public List<String> notes() {
        List<String> n = new ArrayList<>(List.of("emulated " + profile.id() + " on this host: intra-op threads capped at "
                        + threads() + ", providers " + profile.onnxruntime().executionProviders(),
                "not capped: CPU clock, caches, ISA and memory bandwidth are this host's; latency is not scaled",
                "memory capped at " + cap.describe() + ": models refused before loading (measured RSS + estimate)"
                        + " and after loading (measured RSS); ORT CPU arena and memory patterns off"));
        heapAdvice(Runtime.getRuntime().maxMemory()).ifPresent(n::add);
        return List.copyOf(n);
    }

    /** What emulation caps, in one line for the agent's start-up message. */
    public String summary() {
        return "emulating " + profile.id() + ": " + threads() + " intra-op threads, providers "
                + profile.onnxruntime().executionProviders() + ", memory capped at " + cap.describe();
    }

    /**
     * Advice when a JVM heap ceiling of {@code maxHeapBytes} exceeds what the device's JVM would get:
     * the heap is part of the capped RSS, and its ceiling can only be set at launch.
     */
    public Optional<String> heapAdvice(long maxHeapBytes) {
        if (maxHeapBytes <= deviceDefaultHeapBytes()) {
            return Optional.empty();
        }
        return Optional.of("this JVM's heap ceiling " + MemoryCap.mib(maxHeapBytes) + " is above the "
                + MemoryCap.mib(deviceDefaultHeapBytes()) + " the device's JVM would get: start with -XX:MaxRAM="
                + profile.memoryMb() + "m (TINYFLEET_JAVA_OPTS for ./tinyfleet)");
    }
}
