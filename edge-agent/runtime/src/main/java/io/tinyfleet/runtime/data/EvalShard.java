package io.tinyfleet.runtime.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A compact, self-describing evaluation shard: a few hundred labelled images plus their spec
 * (source, split, preprocessing), hashed, that the controller ships to a device next to a model so that
 * the device measures accuracy on exactly the same samples.
 *
 * <p>File layout ({@code .tfshard}): the 8 ASCII bytes {@code TFSHARD1}; a big-endian int {@code n}; {@code n}
 * bytes of UTF-8 JSON {@link Spec}; then {@code count * rows * cols} pixel bytes and {@code count} label bytes.
 * {@code Spec.payloadSha256} is the SHA-256 of those payload bytes; a shard whose payload does not match is
 * refused.
 *
 * @param spec   what the shard holds
 * @param images the samples
 */
public record EvalShard(Spec spec, LabeledImages images) {

    private static final byte[] MAGIC = "TFSHARD1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The shard's spec.
     *
     * @param source        dataset the samples were drawn from ({@code fashion-mnist}, a folder...)
     * @param split         {@code train} or {@code test}
     * @param sourceSha256  {@link LabeledImages#sha256()} of the whole source split
     * @param seed          seed of the stratified draw
     * @param count         samples
     * @param rows          image height
     * @param cols          image width
     * @param numClasses    classes
     * @param scale         preprocessing scale (declared here so the device preprocesses identically)
     * @param mean          preprocessing mean
     * @param std           preprocessing std
     * @param payloadSha256 SHA-256 of pixels then labels
     */
    public record Spec(String source, String split, String sourceSha256, long seed, int count, int rows, int cols,
                       int numClasses, float scale, float mean, float std, String payloadSha256) {

        /** The declared preprocessing. */
        public Preprocessing preprocessing() {
            return new Preprocessing(scale, mean, std);
        }
    }

    /**
     * Draws {@code perClass} samples of each class (fewer when a class has fewer), in a seeded random
     * order, so a small shard still covers every class.
     */
    public static EvalShard draw(LabeledImages data, String source, Split split, int perClass, long seed,
                                 Preprocessing pre) {
        if (perClass < 1) {
            throw new IllegalArgumentException("samples per class must be >= 1, got " + perClass);
        }
        int classes = data.numClasses();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < data.count(); i++) {
            byClass.get(data.label(i)).add(i);
        }
        Random rnd = new Random(seed);
        List<Integer> chosen = new ArrayList<>();
        for (List<Integer> idx : byClass) {
            java.util.Collections.shuffle(idx, rnd);
            chosen.addAll(idx.subList(0, Math.min(perClass, idx.size())));
        }
        java.util.Collections.shuffle(chosen, rnd);
        LabeledImages sub = data.subset(chosen.stream().mapToInt(Integer::intValue).toArray());
        Spec spec = new Spec(source, split.name().toLowerCase(java.util.Locale.ROOT), data.sha256(), seed,
                sub.count(), sub.rows(), sub.cols(), sub.numClasses(), pre.scale(), pre.mean(), pre.std(),
                payloadSha256(sub));
        return new EvalShard(spec, sub);
    }

    /** The serialised shard. */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bos);
            byte[] header = JSON.writeValueAsBytes(spec);
            out.write(MAGIC);
            out.writeInt(header.length);
            out.write(header);
            out.write(images.pixels());
            out.write(images.labels());
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the shard to {@code file}. */
    public void write(Path file) {
        try {
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write eval shard " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and verifies a shard.
     *
     * @throws IllegalArgumentException naming the file when it is missing, not a shard, truncated, or its
     *                                  payload hash does not match
     */
    public static EvalShard read(Path file) {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(raw)) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(file + " is not an eval shard (no TFSHARD1 header)");
            }
            int n = in.readInt();
            if (n <= 0 || n > 1 << 20) {
                throw new IllegalArgumentException(file + " has a bad eval shard header length " + n);
            }
            byte[] header = new byte[n];
            in.readFully(header);
            Spec spec = JSON.readValue(header, Spec.class);
            byte[] px = new byte[Math.multiplyExact(Math.multiplyExact(spec.count(), spec.rows()), spec.cols())];
            in.readFully(px);
            byte[] lb = new byte[spec.count()];
            in.readFully(lb);
            LabeledImages images = LabeledImages.of(spec.rows(), spec.cols(), px, lb);
            String actual = payloadSha256(images);
            if (!actual.equals(spec.payloadSha256())) {
                throw new IllegalArgumentException(file + ": eval shard payload hash " + actual
                        + " does not match its spec " + spec.payloadSha256());
            }
            return new EvalShard(spec, images);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " is truncated: fewer bytes than its eval shard header declares", e);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("eval shard " + file + " not found", e);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + " has an unreadable eval shard spec: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read eval shard " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code file} starts like an eval shard. */
    public static boolean isShard(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    private static String payloadSha256(LabeledImages d) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(d.pixels());
            md.update(d.labels());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
