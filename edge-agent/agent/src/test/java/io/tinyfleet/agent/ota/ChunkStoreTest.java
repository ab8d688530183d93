package io.tinyfleet.agent.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.proto.sign.Manifests;
import io.tinyfleet.proto.v1.DeploymentManifest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkStoreTest {

    static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(1).nextBytes(b);
        return b;
    }

    static byte[] chunk(byte[] all, int i, int size) {
        return Arrays.copyOfRange(all, i * size, Math.min(all.length, (i + 1) * size));
    }

    @Test
    void put_storesVerifiedChunks_andRefusesCorruptOrShortOnes(@TempDir Path dir) throws Exception {
        byte[] all = data(5000);
        DeploymentManifest m = Manifests.forArtifact(all, 1024).setDeploymentId("d").build();
        try (ChunkStore s = ChunkStore.open(m, dir)) {
            assertEquals(5, s.chunkCount());
            assertEquals(List.of(0, 1, 2, 3, 4), s.missing());
            byte[] bad = chunk(all, 2, 1024);
            bad[7] ^= 1;
            assertEquals(ChunkStore.PutResult.CORRUPT, s.put(2, bad));
            assertEquals(ChunkStore.PutResult.CORRUPT, s.put(4, chunk(all, 3, 1024)));
            assertEquals(ChunkStore.PutResult.CORRUPT, s.put(9, chunk(all, 0, 1024)));
            for (int i = 4; i >= 0; i--) {
                assertEquals(ChunkStore.PutResult.STORED, s.put(i, chunk(all, i, 1024)));
            }
            assertEquals(ChunkStore.PutResult.DUPLICATE, s.put(1, chunk(all, 1, 1024)));
            assertTrue(s.isComplete());
            assertEquals(m.getArtifactSha256(), s.sha256Hex());
        }
    }

    @Test
    void open_resumesFromThePersistedBitmap(@TempDir Path dir) throws Exception {
        byte[] all = data(5000);
        DeploymentManifest m = Manifests.forArtifact(all, 1024).setDeploymentId("d").build();
        try (ChunkStore s = ChunkStore.open(m, dir)) {
            s.put(0, chunk(all, 0, 1024));
            s.put(3, chunk(all, 3, 1024));
        }
        try (ChunkStore s = ChunkStore.open(m, dir)) {
            assertEquals(List.of(1, 2, 4), s.missing());
            assertTrue(s.has(3));
        }
    }

    @Test
    void open_clearsChunksWhoseBytesWentBadOnDisk(@TempDir Path dir) throws Exception {
        byte[] all = data(5000);
        DeploymentManifest m = Manifests.forArtifact(all, 1024).setDeploymentId("d").build();
        try (ChunkStore s = ChunkStore.open(m, dir)) {
            for (int i = 0; i < 5; i++) {
                s.put(i, chunk(all, i, 1024));
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("artifact.part").toFile(), "rw")) {
            f.seek(2048 + 10);
            f.write(0xff ^ all[2048 + 10]);
        }
        try (ChunkStore s = ChunkStore.open(m, dir)) {
            assertFalse(s.isComplete());
            assertEquals(List.of(2), s.missing());
        }
        assertTrue(Files.exists(dir.resolve("artifact.bitmap")));
    }
}
