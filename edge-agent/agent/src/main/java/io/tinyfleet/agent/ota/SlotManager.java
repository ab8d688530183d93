package io.tinyfleet.agent.ota;

import io.tinyfleet.proto.v1.Slot;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;

/**
 * Two model slots, A and B, and a pointer to the active one (after Mender's A/B update). A new
 * model is installed into the slot that is not active; only after it passed its health check does
 * {@link #activate} switch the pointer, by writing a temp file, syncing it, and moving it over the
 * pointer atomically. A crash at any moment therefore leaves either the old or the new pointer,
 * and the slot it names is complete, so the last good model stays active.
 *
 * <p>Layout under {@code root}: {@code A/model.onnx}, {@code A/slot.properties}, same for B,
 * and {@code active} (the text {@code A} or {@code B}).
 */
public final class SlotManager {

    /** What a slot holds. */
    public record SlotInfo(Slot slot, String deploymentId, String modelId, String modelVersion, Path modelFile) {
    }

    private final Path root;

    /** @param root folder of the slots (created when missing) */
    public SlotManager(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    /** The active slot's content, empty when no model was ever activated. */
    public synchronized Optional<SlotInfo> active() throws IOException {
        Path p = root.resolve("active");
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        String s = Files.readString(p).strip();
        Slot slot = "A".equals(s) ? Slot.SLOT_A : "B".equals(s) ? Slot.SLOT_B : null;
        if (slot == null) {
            throw new IOException("slot pointer " + p + " holds '" + s + "', expected A or B");
        }
        return info(slot);
    }

    /** The slot a new model goes into: the one that is not active (A when none is). */
    public synchronized Slot inactive() throws IOException {
        Optional<SlotInfo> a = active();
        return a.isPresent() && a.get().slot() == Slot.SLOT_A ? Slot.SLOT_B : Slot.SLOT_A;
    }

    /** What {@code slot} holds, empty when it holds no complete install. */
    public synchronized Optional<SlotInfo> info(Slot slot) throws IOException {
        Path dir = dir(slot);
        Path props = dir.resolve("slot.properties");
        Path model = dir.resolve("model.onnx");
        if (!Files.exists(props) || !Files.exists(model)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(props)) {
            p.load(r);
        }
        return Optional.of(new SlotInfo(slot, p.getProperty("deployment", ""), p.getProperty("model", ""),
                p.getProperty("version", ""), model));
    }

    /**
     * Writes {@code modelBytes} into {@code slot}, which must not be the active one. The slot's
     * description is written last, so a half-written install never looks complete.
     */
    public synchronized SlotInfo install(Slot slot, byte[] modelBytes, String deploymentId, String modelId,
                                         String version) throws IOException {
        Optional<SlotInfo> a = active();
        if (a.isPresent() && a.get().slot() == slot) {
            throw new IllegalStateException("refusing to install into the active slot " + name(slot));
        }
        Path dir = Files.createDirectories(dir(slot));
        Files.deleteIfExists(dir.resolve("slot.properties"));
        Path model = dir.resolve("model.onnx");
        writeSynced(model, modelBytes);
        Properties p = new Properties();
        p.setProperty("deployment", deploymentId);
        p.setProperty("model", modelId);
        p.setProperty("version", version);
        Path tmp = dir.resolve("slot.properties.tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "TinyFleet model slot");
        }
        fsync(tmp);
        move(tmp, dir.resolve("slot.properties"));
        return new SlotInfo(slot, deploymentId, modelId, version, model);
    }

    /** Makes {@code slot} active with one atomic rename. */
    public synchronized void activate(Slot slot) throws IOException {
        if (info(slot).isEmpty()) {
            throw new IllegalStateException("slot " + name(slot) + " holds no complete install");
        }
        writeSynced(root.resolve("active"), name(slot).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** "A" or "B". */
    public static String name(Slot slot) {
        return switch (slot) {
            case SLOT_A -> "A";
            case SLOT_B -> "B";
            default -> throw new IllegalArgumentException("no slot " + slot);
        };
    }

    private Path dir(Slot slot) {
        return root.resolve(name(slot));
    }

    private static void writeSynced(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        fsync(tmp);
        move(tmp, target);
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
