package io.tinyfleet.proto.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 key pairs (RFC 8032) as PEM files: the private key as PKCS#8 ({@code PRIVATE KEY}),
 * the public key as X.509 SubjectPublicKeyInfo ({@code PUBLIC KEY}), the formats
 * {@code openssl genpkey -algorithm ed25519} writes, so keys can also be made and inspected with
 * openssl.
 */
public final class Ed25519Keys {

    private static final String ALG = "Ed25519";

    private Ed25519Keys() {
    }

    /** A new random key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALG).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no Ed25519 provider (needs Java 15+)", e);
        }
    }

    /**
     * Loads the private key at {@code privateKeyFile} and its public key next to it
     * ({@code FILE.pub}), or generates both when the private key does not exist yet.
     */
    public static KeyPair loadOrGenerate(Path privateKeyFile) throws IOException {
        Path pub = publicKeyFileFor(privateKeyFile);
        if (Files.exists(privateKeyFile)) {
            return new KeyPair(readPublic(pub), readPrivate(privateKeyFile));
        }
        KeyPair kp = generate();
        Path dir = privateKeyFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        writeAtomically(pub, pem("PUBLIC KEY", kp.getPublic().getEncoded()));
        writeAtomically(privateKeyFile, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
        try {
            Files.setPosixFilePermissions(privateKeyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        return kp;
    }

    /** Where the public key of a private key file lives: the same name plus {@code .pub}. */
    public static Path publicKeyFileFor(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
    }

    /** Writes a public key as PEM. */
    public static void writePublic(PublicKey key, Path file) throws IOException {
        writeAtomically(file, pem("PUBLIC KEY", key.getEncoded()));
    }

    /** The PEM text of a public key. */
    public static String publicPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    /**
     * Reads a PEM public key.
     *
     * @throws IllegalArgumentException naming the file when it is not an Ed25519 public key
     */
    public static PublicKey readPublic(Path file) throws IOException {
        return parsePublic(Files.readString(file), file.toString());
    }

    /** Parses PEM text of a public key; {@code origin} names it in errors. */
    public static PublicKey parsePublic(String pemText, String origin) {
        byte[] der = der(pemText, "PUBLIC KEY", origin);
        try {
            return KeyFactory.getInstance(ALG).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(origin + ": not an Ed25519 public key (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a PEM (PKCS#8) private key. */
    public static PrivateKey readPrivate(Path file) throws IOException {
        byte[] der = der(Files.readString(file), "PRIVATE KEY", file.toString());
        try {
            return KeyFactory.getInstance(ALG).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not an Ed25519 private key (" + e.getMessage() + ")", e);
        }
    }

    /** Short id of a public key: hex of the first 8 bytes of sha256 of its X.509 encoding. */
    public static String keyId(PublicKey key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String text, String type, String origin) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException(origin + ": no '" + begin + "' block (expected a PEM "
                    + type.toLowerCase() + ")");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(origin + ": bad base64 in PEM " + type.toLowerCase(), ex);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
