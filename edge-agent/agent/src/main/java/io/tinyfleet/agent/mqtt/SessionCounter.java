package io.tinyfleet.agent.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The session sequence number, kept in {@code HOME/session-seq} so that it keeps increasing across
 * reconnects <em>and</em> process restarts: the controller orders births and deaths by it, and a
 * retained death of an earlier run must compare as older.
 */
public final class SessionCounter {

    private final Path file;
    private long current;

    /** Reads the counter under {@code home} (created if missing). */
    public SessionCounter(Path home) {
        this.file = home.resolve("session-seq");
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException("agent home " + home + ": cannot create: " + e.getMessage(), e);
        }
        this.current = read();
    }

    private long read() {
        if (!Files.exists(file)) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            // A damaged counter must not restart low: the wall clock in ms is above any count.
            return System.currentTimeMillis();
        }
    }

    /** The next session number, written to disk before it is used. */
    public synchronized long next() {
        current++;
        Path tmp = file.resolveSibling("session-seq.tmp");
        try {
            Files.writeString(tmp, Long.toString(current));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return current;
    }

    /** The last number handed out (0 before the first). */
    public synchronized long current() {
        return current;
    }
}
