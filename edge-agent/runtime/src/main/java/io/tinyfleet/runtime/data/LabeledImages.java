package io.tinyfleet.runtime.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * Grey 8-bit images and their class labels, held in memory (Fashion-MNIST: 70k x 28 x 28 = 55 MB).
 *
 * <p>Reads the IDX format of LeCun et al., "Gradient-based learning applied to document
 * recognition" (1998), as used by MNIST and Fashion-MNIST (Xiao, Rasul, Vollgraf, 2017): a
 * big-endian magic {@code 0x00000803} (uint8, 3 dims) for images and {@code 0x00000801} for labels,
 * then the dimension sizes, then the bytes. Files may be gzip-compressed (detected by content, not
 * by name). Instances are immutable.
 */
public final class LabeledImages {

    /** The folder of the Debian package {@code dataset-fashion-mnist}. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;
    private final int numClasses;
    private volatile String sha256;

    private LabeledImages(int rows, int cols, byte[] pixels, byte[] labels) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + rows + "x" + cols);
        }
        if (pixels.length != (long) labels.length * rows * cols) {
            throw new IllegalArgumentException("pixels hold " + pixels.length + " bytes but " + labels.length
                    + " images of " + rows + "x" + cols + " need " + (long) labels.length * rows * cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
        int max = -1;
        for (byte b : labels) {
            max = Math.max(max, b & 0xFF);
        }
        this.numClasses = max + 1;
    }

    /**
     * Loads a split of a dataset.
     *
     * @param data  {@code fashion-mnist} for {@link #FASHION_MNIST_DIR}, or a folder holding
     *              {@code {train,t10k}-images-idx3-ubyte[.gz]} and {@code {train,t10k}-labels-idx1-ubyte[.gz]}
     * @param split which files
     * @throws IllegalArgumentException naming the missing folder or file, or the bad header
     */
    public static LabeledImages load(String data, Split split) {
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("no dataset given: use fashion-mnist or a folder of IDX files");
        }
        Path dir = "fashion-mnist".equalsIgnoreCase(data) ? FASHION_MNIST_DIR : Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("dataset folder " + dir + " does not exist"
                    + ("fashion-mnist".equalsIgnoreCase(data) ? " (install the Debian package dataset-fashion-mnist)" : ""));
        }
        Path images = find(dir, split.filePrefix() + "-images-idx3-ubyte");
        Path labels = find(dir, split.filePrefix() + "-labels-idx1-ubyte");
        return readIdx(images, labels);
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base, base + ".gz"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalArgumentException("dataset file " + dir.resolve(base) + "[.gz] not found");
    }

    /** Reads an IDX image file (uint8, 3 dims) and its IDX label file (uint8, 1 dim). */
    public static LabeledImages readIdx(Path images, Path labels) {
        try (DataInputStream in = open(images)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IllegalArgumentException(images + " is not an IDX image file: magic 0x"
                        + String.format("%08x", magic) + ", expected 0x00000803 (uint8, 3 dims)");
            }
            int n = in.readInt();
            int r = in.readInt();
            int c = in.readInt();
            if (n < 0 || r <= 0 || c <= 0) {
                throw new IllegalArgumentException(images + " has a bad IDX header: " + n + " x " + r + " x " + c);
            }
            byte[] px = new byte[Math.multiplyExact(Math.multiplyExact(n, r), c)];
            in.readFully(px);
            byte[] lb = readLabels(labels);
            if (lb.length != n) {
                throw new IllegalArgumentException(labels + " has " + lb.length + " labels but " + images
                        + " has " + n + " images");
            }
            return new LabeledImages(r, c, px, lb);
        } catch (EOFException e) {
            throw new IllegalArgumentException(images + " is truncated: fewer bytes than its IDX header declares", e);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("dataset file " + e.getFile() + " not found", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + images + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readLabels(Path labels) throws IOException {
        try (DataInputStream in = open(labels)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new IllegalArgumentException(labels + " is not an IDX label file: magic 0x"
                        + String.format("%08x", magic) + ", expected 0x00000801 (uint8, 1 dim)");
            }
            int n = in.readInt();
            if (n < 0) {
                throw new IllegalArgumentException(labels + " has a bad IDX header: " + n + " labels");
            }
            byte[] lb = new byte[n];
            try {
                in.readFully(lb);
            } catch (EOFException e) {
                throw new IllegalArgumentException(labels + " is truncated: fewer bytes than its IDX header declares", e);
            }
            return lb;
        } catch (EOFException e) {
            throw new IllegalArgumentException(labels + " is truncated: no complete IDX header", e);
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            raw = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return new DataInputStream(raw);
    }

    /** Wraps arrays made in memory (for tests and eval shards); the arrays are copied. */
    public static LabeledImages of(int rows, int cols, byte[] pixels, byte[] labels) {
        return new LabeledImages(rows, cols, pixels.clone(), labels.clone());
    }

    /** Number of images. */
    public int count() {
        return labels.length;
    }

    /** Image height. */
    public int rows() {
        return rows;
    }

    /** Image width. */
    public int cols() {
        return cols;
    }

    /** Largest label + 1 (10 for Fashion-MNIST). */
    public int numClasses() {
        return numClasses;
    }

    /** The class of image {@code i}. */
    public int label(int i) {
        return labels[i] & 0xFF;
    }

    /** Pixel {@code offset} (row-major, {@code 0 .. rows*cols-1}) of image {@code i}, 0..255. */
    public int pixel(int i, int offset) {
        return pixels[i * rows * cols + offset] & 0xFF;
    }

    /** The images at {@code indices}, in that order (duplicates allowed). */
    public LabeledImages subset(int[] indices) {
        int size = rows * cols;
        byte[] px = new byte[indices.length * size];
        byte[] lb = new byte[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= labels.length) {
                throw new IndexOutOfBoundsException("index " + i + " outside 0.." + (labels.length - 1));
            }
            System.arraycopy(pixels, i * size, px, k * size, size);
            lb[k] = labels[i];
        }
        return new LabeledImages(rows, cols, px, lb);
    }

    /** The first {@code n} images (all of them if {@code n >= count()}). */
    public LabeledImages head(int n) {
        int m = Math.min(Math.max(n, 0), labels.length);
        if (m == labels.length) {
            return this;
        }
        return new LabeledImages(rows, cols, Arrays.copyOf(pixels, m * rows * cols), Arrays.copyOf(labels, m));
    }

    /** A copy of all pixels, image-major then row-major. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** A copy of all labels. */
    public byte[] labels() {
        return labels.clone();
    }

    /** SHA-256 (hex) over rows, cols, count, pixels and labels: identifies the exact data. */
    public String sha256() {
        String s = sha256;
        if (s == null) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(ByteBuffer.allocate(12).putInt(rows).putInt(cols).putInt(labels.length).array());
                md.update(pixels);
                md.update(labels);
                s = HexFormat.of().formatHex(md.digest());
                sha256 = s;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return s;
    }

    @Override
    public String toString() {
        return "LabeledImages[" + count() + " x " + rows + "x" + cols + ", " + numClasses + " classes]";
    }
}
