package io.tinyfleet.runtime.model;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the third-party models in {@code ../shared/models} for tests of every module. */
public final class SharedModels {

    private SharedModels() {
    }

    /** The folder, from the {@code tinyfleet.sharedModels} property the build sets. */
    public static Path dir() {
        String p = System.getProperty("tinyfleet.sharedModels");
        Path dir = p != null ? Path.of(p) : Path.of("../../../shared/models");
        Assumptions.assumeTrue(Files.isDirectory(dir), "shared models folder not found at " + dir.toAbsolutePath());
        return dir;
    }

    /** One model file from the folder. */
    public static Path file(String name) {
        return dir().resolve(name);
    }
}
