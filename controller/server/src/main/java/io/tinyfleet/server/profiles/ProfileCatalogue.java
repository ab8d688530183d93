package io.tinyfleet.server.profiles;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.tinyfleet.runtime.profile.DeviceProfile;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The device-profile catalogue: every {@code *.yaml} in {@code tinyfleet.profiles.dir}, else
 * {@code device-profiles/} under the system property {@code tinyfleet.root}, else under the working
 * directory. Read on each call (a dozen small files), so edits show without a restart; a file that
 * does not parse is listed under {@link Catalogue#errors()} with its reason instead of hiding the rest.
 */
@Singleton
public class ProfileCatalogue {

    private final Path dir;

    ProfileCatalogue(@Nullable @Value("${tinyfleet.profiles.dir}") String configured) {
        this.dir = resolve(configured);
    }

    static Path resolve(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String root = System.getProperty("tinyfleet.root");
        if (root != null && Files.isDirectory(Path.of(root, "device-profiles"))) {
            return Path.of(root, "device-profiles");
        }
        return Path.of("device-profiles");
    }

    /** The folder read. */
    public Path dir() {
        return dir;
    }

    /** Profiles by id, and the files that did not load. */
    public record Catalogue(Map<String, DeviceProfile> profiles, List<String> errors) {
    }

    /** Loads the catalogue now. */
    public Catalogue load() {
        Map<String, DeviceProfile> out = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            errors.add("device profile folder " + dir.toAbsolutePath() + " does not exist (set tinyfleet.profiles.dir)");
            return new Catalogue(out, errors);
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList()) {
                try {
                    DeviceProfile p = DeviceProfile.load(f);
                    out.put(p.id(), p);
                } catch (RuntimeException e) {
                    errors.add(e.getMessage());
                }
            }
        } catch (IOException e) {
            errors.add("cannot list " + dir + ": " + e.getMessage());
        }
        return new Catalogue(out, errors);
    }

    /** One profile by id. */
    public Optional<DeviceProfile> find(String id) {
        return Optional.ofNullable(load().profiles().get(id));
    }
}
