package io.tinyfleet.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledImagesTest {

    @TempDir
    Path dir;

    /** Writes an IDX pair of {@code n} 2x3 images whose pixels are {@code i*10 + offset}. */
    static void writeIdx(Path dir, String prefix, int n, boolean gzip) throws IOException {
        ByteArrayOutputStream img = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(img);
        d.writeInt(0x803);
        d.writeInt(n);
        d.writeInt(2);
        d.writeInt(3);
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < 6; o++) {
                d.write(i * 10 + o);
            }
        }
        ByteArrayOutputStream lab = new ByteArrayOutputStream();
        DataOutputStream l = new DataOutputStream(lab);
        l.writeInt(0x801);
        l.writeInt(n);
        for (int i = 0; i < n; i++) {
            l.write(i % 4);
        }
        write(dir.resolve(prefix + "-images-idx3-ubyte" + (gzip ? ".gz" : "")), img.toByteArray(), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + (gzip ? ".gz" : "")), lab.toByteArray(), gzip);
    }

    private static void write(Path p, byte[] data, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(data);
        }
    }

    @Test
    void load_readsRawAndGzipFilesAlike() throws IOException {
        writeIdx(dir, "t10k", 5, false);
        writeIdx(dir, "train", 5, true);
        LabeledImages test = LabeledImages.load(dir.toString(), Split.TEST);
        LabeledImages train = LabeledImages.load(dir.toString(), Split.TRAIN);
        assertEquals(5, test.count());
        assertEquals(2, test.rows());
        assertEquals(3, test.cols());
        assertEquals(4, test.numClasses());
        assertEquals(3, test.label(3));
        assertEquals(42, test.pixel(4, 2));
        assertEquals(test.sha256(), train.sha256());
    }

    @Test
    void load_namesTheMissingFile() throws IOException {
        writeIdx(dir, "train", 2, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabeledImages.load(dir.toString(), Split.TEST));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void readIdx_namesTheBadMagic() throws IOException {
        writeIdx(dir, "t10k", 2, false);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        Path labels = dir.resolve("t10k-labels-idx1-ubyte");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabeledImages.readIdx(labels, images));
        assertTrue(e.getMessage().contains("magic 0x00000801"), e.getMessage());
    }

    @Test
    void readIdx_saysTruncated_whenBytesAreMissing() throws IOException {
        writeIdx(dir, "t10k", 3, false);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        byte[] all = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(all, all.length - 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabeledImages.readIdx(images, dir.resolve("t10k-labels-idx1-ubyte")));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void subsetAndHead_keepTheChosenImagesInOrder() {
        LabeledImages d = LabeledImages.of(1, 2, new byte[] {1, 2, 3, 4, 5, 6}, new byte[] {0, 1, 2});
        LabeledImages s = d.subset(new int[] {2, 0});
        assertEquals(2, s.count());
        assertEquals(5, s.pixel(0, 0));
        assertEquals(2, s.label(0));
        assertEquals(0, s.label(1));
        assertEquals(1, d.head(1).count());
        assertNotEquals(d.sha256(), s.sha256());
    }

    @Test
    void fill_appliesScaleMeanAndStd() {
        LabeledImages d = LabeledImages.of(1, 2, new byte[] {0, (byte) 255, 51, 102}, new byte[] {0, 1});
        FloatBuffer out = FloatBuffer.allocate(4);
        Preprocessing.DEFAULT.fill(d, new int[] {1, 0}, 0, 2, out);
        assertArrayEquals(new float[] {0.2f, 0.4f, 0f, 1f}, out.array(), 1e-6f);
        FloatBuffer norm = FloatBuffer.allocate(2);
        new Preprocessing(1f, 100f, 2f).fill(d, new int[] {0}, 0, 1, norm);
        assertArrayEquals(new float[] {-50f, 77.5f}, norm.array(), 1e-6f);
    }

    @Test
    void preprocessing_refusesNonPositiveStd() {
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(1f, 0f, 0f));
    }

    @Test
    void load_readsFashionMnistTestSplit_whenInstalled() {
        Assumptions.assumeTrue(Files.isDirectory(LabeledImages.FASHION_MNIST_DIR));
        LabeledImages d = LabeledImages.load("fashion-mnist", Split.TEST);
        assertEquals(10_000, d.count());
        assertEquals(28, d.rows());
        assertEquals(10, d.numClasses());
    }
}
