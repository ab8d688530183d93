package io.tinyfleet.agent.telemetry;

import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.session.RuntimeOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Running the agent on a development machine <em>as</em> a device profile ({@code --emulate ID}).
 *
 * <p>What is capped: ONNX Runtime intra-op threads (the profile's {@code onnxruntime.intraOpThreads},
 * never more than its core count) and the providers (the profile's list). What is checked, not
 * capped: memory. The JVM cannot cap ONNX Runtime's native allocations, so a benchmark whose RSS
 * growth exceeds the profile's RAM is flagged {@code exceeds_profile_memory}. CPU clock, cache,
 * ISA and power are this host's: nothing is scaled, every report is labelled {@code emulated} with
 * the profile id, and power/energy are the profile's estimate or this host's sensor, labelled so.
 *
 * @param profile the emulated device
 */
public record Emulation(DeviceProfile profile) {

    /** Null check. */
    public Emulation {
        Objects.requireNonNull(profile, "profile");
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

    /** Runtime options capped like the profile. */
    public RuntimeOptions runtimeOptions() {
        return RuntimeOptions.forProfile(profile).withThreads(threads());
    }

    /** Whether {@code rssGrowthBytes} (model load + runs) would not fit in the profile's RAM. */
    public boolean exceedsMemory(long rssGrowthBytes) {
        return rssGrowthBytes > profile.memoryBytes();
    }

    /** What emulation does and does not do, for report notes. */
    public List<String> notes() {
        return List.of("emulated " + profile.id() + " on this host: intra-op threads capped at " + threads()
                        + ", providers " + profile.onnxruntime().executionProviders(),
                "not capped: CPU clock, caches, ISA and memory bandwidth are this host's; latency is not scaled",
                "memory checked, not capped: RSS growth compared with the profile's " + profile.memoryMb() + " MiB");
    }
}
