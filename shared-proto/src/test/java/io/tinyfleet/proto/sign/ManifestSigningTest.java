package io.tinyfleet.proto.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.tinyfleet.proto.v1.DeploymentManifest;
import io.tinyfleet.proto.v1.SignedManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestSigningTest {

    static DeploymentManifest manifest() {
        return DeploymentManifest.newBuilder().setDeploymentId("d1").setModelId("m")
                .setArtifactSha256("a".repeat(64)).setArtifactSize(10).setChunkSize(4)
                .addChunkSha256(ByteString.copyFrom(new byte[32]))
                .addChunkSha256(ByteString.copyFrom(new byte[32]))
                .addChunkSha256(ByteString.copyFrom(new byte[32]))
                .build();
    }

    @Test
    void verify_returnsTheManifest_whenSignedByThePinnedKey() throws Exception {
        KeyPair kp = Ed25519Keys.generate();
        SignedManifest s = new ManifestSigner(kp).sign(manifest());
        assertEquals(manifest(), new ManifestVerifier(kp.getPublic()).verify(s));
    }

    @Test
    void verify_rejectsATamperedManifest_withSignatureInvalid() {
        KeyPair kp = Ed25519Keys.generate();
        SignedManifest s = new ManifestSigner(kp).sign(manifest());
        byte[] b = s.getManifest().toByteArray();
        b[b.length - 1] ^= 1;
        SignedManifest tampered = s.toBuilder().setManifest(ByteString.copyFrom(b)).build();
        SignatureRejectedException e = assertThrows(SignatureRejectedException.class,
                () -> new ManifestVerifier(kp.getPublic()).verify(tampered));
        assertEquals(SignatureRejectedException.SIGNATURE_INVALID, e.code());
    }

    @Test
    void verify_rejectsAnotherKey_evenWhenTheKeyIdIsForged() {
        KeyPair mine = Ed25519Keys.generate();
        KeyPair attacker = Ed25519Keys.generate();
        SignedManifest s = new ManifestSigner(attacker).sign(manifest());
        ManifestVerifier v = new ManifestVerifier(mine.getPublic());
        assertEquals(SignatureRejectedException.UNKNOWN_KEY,
                assertThrows(SignatureRejectedException.class, () -> v.verify(s)).code());
        SignedManifest forged = s.toBuilder().setKeyId(v.keyId()).build();
        assertEquals(SignatureRejectedException.SIGNATURE_INVALID,
                assertThrows(SignatureRejectedException.class, () -> v.verify(forged)).code());
    }

    @Test
    void verify_rejectsAManifestWhoseChunkListDoesNotMatchItsSize() {
        KeyPair kp = Ed25519Keys.generate();
        SignedManifest s = new ManifestSigner(kp).sign(manifest().toBuilder().setArtifactSize(20).build());
        assertEquals(SignatureRejectedException.MALFORMED_MANIFEST, assertThrows(SignatureRejectedException.class,
                () -> new ManifestVerifier(kp.getPublic()).verify(s)).code());
    }

    @Test
    void loadOrGenerate_createsPemKeysOnce_andReloadsTheSamePair(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("keys/controller.key");
        KeyPair first = Ed25519Keys.loadOrGenerate(key);
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertTrue(Files.readString(Ed25519Keys.publicKeyFileFor(key)).startsWith("-----BEGIN PUBLIC KEY-----"));
        KeyPair again = Ed25519Keys.loadOrGenerate(key);
        assertEquals(Ed25519Keys.keyId(first.getPublic()), Ed25519Keys.keyId(again.getPublic()));
        SignedManifest s = new ManifestSigner(again).sign(manifest());
        assertEquals(manifest(), new ManifestVerifier(Ed25519Keys.readPublic(Ed25519Keys.publicKeyFileFor(key))).verify(s));
    }

    @Test
    void readPublic_namesTheFile_whenItIsNotAKey(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("junk.pub"), "hello");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ed25519Keys.readPublic(f));
        assertTrue(e.getMessage().contains("junk.pub"), e.getMessage());
    }
}
