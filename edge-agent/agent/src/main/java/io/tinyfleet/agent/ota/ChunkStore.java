package io.tinyfleet.agent.ota;

import com.google.protobuf.ByteString;
import io.tinyfleet.proto.v1.DeploymentManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;

/**
 * A resumable download of one artifact: chunks are written at their offsets into
 * {@code artifact.part}, and a bitmap file ({@code artifact.bitmap}, one bit per chunk) records
 * which chunks are on disk. Each chunk is checked against its sha256 from the signed manifest
 * before it is written. On open, chunks marked present are re-hashed from disk, so a torn write
 * or a bit set before its data reached the disk only costs a re-request, never a corrupt artifact.
 * No fsync per chunk: re-validation on open makes it unnecessary (AWS IoT file delivery and Kura
 * resume downloads the same way: blocks by offset, ask again for what is missing).
 */
public final class ChunkStore implements AutoCloseable {

    /** What {@link #put} did with a chunk. */
    public enum PutResult {
        /** New, verified, written. */
        STORED,
        /** Already present: ignored. */
        DUPLICATE,
        /** Wrong length or hash: refused, must be requested again. */
        CORRUPT
    }

    private final DeploymentManifest manifest;
    private final Path part;
    private final Path bitmapFile;
    private final RandomAccessFile data;
    private final FileChannel channel;
    private final RandomAccessFile bitmapRaf;
    private final BitSet present;
    private final int chunks;

    private ChunkStore(DeploymentManifest manifest, Path dir) throws IOException {
        this.manifest = manifest;
        this.chunks = manifest.getChunkSha256Count();
        Files.createDirectories(dir);
        this.part = dir.resolve("artifact.part");
        this.bitmapFile = dir.resolve("artifact.bitmap");
        this.data = new RandomAccessFile(part.toFile(), "rw");
        this.channel = data.getChannel();
        this.bitmapRaf = new RandomAccessFile(bitmapFile.toFile(), "rw");
        if (data.length() != manifest.getArtifactSize()) {
            data.setLength(manifest.getArtifactSize());
        }
        int bytes = (chunks + 7) / 8;
        byte[] bm = new byte[bytes];
        if (bitmapRaf.length() == bytes) {
            bitmapRaf.readFully(bm);
        } else {
            bitmapRaf.setLength(0);
            bitmapRaf.setLength(bytes);
        }
        this.present = BitSet.valueOf(bm);
        present.clear(chunks, bytes * 8);
    }

    /**
     * Opens (or resumes) the download of {@code manifest}'s artifact in {@code dir}, re-hashing
     * every chunk the bitmap marks as present.
     */
    public static ChunkStore open(DeploymentManifest manifest, Path dir) throws IOException {
        ChunkStore s = new ChunkStore(manifest, dir);
        s.revalidate();
        return s;
    }

    /** Number of chunks. */
    public int chunkCount() {
        return chunks;
    }

    /** Chunks on disk and verified. */
    public synchronized int presentCount() {
        return present.cardinality();
    }

    /** Whether chunk {@code i} is on disk. */
    public synchronized boolean has(int i) {
        return present.get(i);
    }

    /** Indices of chunks still missing, ascending. */
    public synchronized List<Integer> missing() {
        List<Integer> m = new ArrayList<>();
        for (int i = present.nextClearBit(0); i < chunks; i = present.nextClearBit(i + 1)) {
            m.add(i);
        }
        return m;
    }

    /** Whether every chunk is present. */
    public synchronized boolean isComplete() {
        return present.cardinality() == chunks;
    }

    /** Expected length of chunk {@code i}. */
    public int chunkLength(int i) {
        long off = (long) i * manifest.getChunkSize();
        return (int) Math.min(manifest.getChunkSize(), manifest.getArtifactSize() - off);
    }

    /** Verifies and writes chunk {@code i}. */
    public PutResult put(int i, byte[] bytes) throws IOException {
        return put(i, com.google.protobuf.UnsafeByteOperations.unsafeWrap(bytes));
    }

    /**
     * Verifies and writes chunk {@code i} straight from {@code bytes} (hashed and written through
     * its read-only buffer view, so a chunk parsed with aliasing is never copied on the heap).
     */
    public synchronized PutResult put(int i, ByteString bytes) throws IOException {
        if (i < 0 || i >= chunks) {
            return PutResult.CORRUPT;
        }
        if (present.get(i)) {
            return PutResult.DUPLICATE;
        }
        if (bytes.size() != chunkLength(i)) {
            return PutResult.CORRUPT;
        }
        MessageDigest md = digest();
        md.update(bytes.asReadOnlyByteBuffer());
        if (!MessageDigest.isEqual(md.digest(), manifest.getChunkSha256(i).toByteArray())) {
            return PutResult.CORRUPT;
        }
        ByteBuffer buf = bytes.asReadOnlyByteBuffer();
        long pos = (long) i * manifest.getChunkSize();
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
        present.set(i);
        writeBitmapByte(i / 8);
        return PutResult.STORED;
    }

    /** Re-hashes every present chunk from disk and clears those that do not match; returns how many. */
    public synchronized int revalidate() throws IOException {
        int cleared = 0;
        byte[] buf = new byte[manifest.getChunkSize()];
        for (int i = present.nextSetBit(0); i >= 0 && i < chunks; i = present.nextSetBit(i + 1)) {
            int len = chunkLength(i);
            data.seek((long) i * manifest.getChunkSize());
            data.readFully(buf, 0, len);
            if (!Arrays.equals(sha256(buf, len), manifest.getChunkSha256(i).toByteArray())) {
                present.clear(i);
                writeBitmapByte(i / 8);
                cleared++;
            }
        }
        return cleared;
    }

    /** Hex sha256 of the whole part file. */
    public synchronized String sha256Hex() throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The part file (complete when {@link #isComplete()}). */
    public Path partFile() {
        return part;
    }

    /** The manifest this download belongs to. */
    public DeploymentManifest manifest() {
        return manifest;
    }

    /** Forgets every chunk (e.g. after the whole artifact failed its hash). */
    public synchronized void reset() throws IOException {
        present.clear();
        bitmapRaf.setLength(0);
        bitmapRaf.setLength((chunks + 7) / 8);
    }

    private void writeBitmapByte(int byteIndex) throws IOException {
        int b = 0;
        for (int k = 0; k < 8; k++) {
            b |= present.get(byteIndex * 8 + k) ? 1 << k : 0;
        }
        bitmapRaf.seek(byteIndex);
        bitmapRaf.write(b);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            data.close();
        } finally {
            bitmapRaf.close();
        }
    }

    static byte[] sha256(byte[] b, int len) {
        MessageDigest md = digest();
        md.update(b, 0, len);
        return md.digest();
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
