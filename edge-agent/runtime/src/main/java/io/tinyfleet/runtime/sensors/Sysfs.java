package io.tinyfleet.runtime.sensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads small sysfs/procfs attribute files and turns every failure into a
 * {@link SensorReadException} whose message says which file and why, so that a sensor that
 * cannot be read becomes "unknown" with a reason rather than an exception or a zero.
 *
 * <p>Reading goes through {@link #files} so tests can simulate what a fixture tree cannot, such
 * as a root-only file when the tests themselves run as root.
 */
final class Sysfs {

    /** Reads a whole file; the default reads the file system. */
    @FunctionalInterface
    interface FileReader {
        byte[] read(Path file) throws IOException;
    }

    static final FileReader DEFAULT = Files::readAllBytes;

    private final FileReader files;

    Sysfs(FileReader files) {
        this.files = files;
    }

    static Sysfs host() {
        return new Sysfs(DEFAULT);
    }

    /** The file's text, trimmed, without NUL bytes (device-tree strings end with one). */
    String text(Path file) throws SensorReadException {
        try {
            return new String(files.read(file), StandardCharsets.UTF_8).replace("\0", "").trim();
        } catch (NoSuchFileException e) {
            throw new SensorReadException("missing: " + file);
        } catch (AccessDeniedException e) {
            throw new SensorReadException("permission denied: " + file);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new SensorReadException("cannot read " + file + ": " + why);
        } catch (SecurityException e) {
            throw new SensorReadException("permission denied: " + file + " (" + e.getMessage() + ")");
        }
    }

    /** The file's text, or {@code fallback} when it cannot be read (for labels and names). */
    String textOr(Path file, String fallback) {
        try {
            String s = text(file);
            return s.isEmpty() ? fallback : s;
        } catch (SensorReadException e) {
            return fallback;
        }
    }

    /** The file's content as a decimal integer. */
    long integer(Path file) throws SensorReadException {
        String s = text(file);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new SensorReadException("not an integer in " + file + ": '" + abbreviate(s) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
