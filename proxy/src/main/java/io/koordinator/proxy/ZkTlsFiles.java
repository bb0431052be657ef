package io.koordinator.proxy;

import io.koordinator.inject.TlsMaterial;
import io.koordinator.sequencer.ZkTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;

/**
 * The client side of TLS to ZooKeeper from the PEM files Kubernetes Secrets and cert-manager hold
 * ({@code tls.crt}, {@code tls.key}, {@code ca.crt}), read and checked at start-up, once, by the
 * proxy and by the operator CLI alike.
 *
 * <p>ZooKeeper's PEM key store is one file holding an unencrypted PKCS#8 key and its chain, while
 * a Secret holds the two apart and often the key as PKCS#1 or SEC1. So the key and chain are read
 * here (any of those encodings) and written together, the key as PKCS#8, into a new file only this
 * user can read, deleted when the JVM exits. The CA file is given to ZooKeeper as it is. Rotated
 * files therefore take effect when the process restarts. A ZooKeeper server's PEM key store has the
 * same form, so local ensembles build theirs here too.
 */
public final class ZkTlsFiles {
    private ZkTlsFiles() {}

    /**
     * Reads and checks the three files, or returns {@code null} when none is given (plain TCP). A
     * failure, also one or two files of three, is an {@link IllegalArgumentException} whose message
     * starts with the key of the file at fault ({@code certKey}, {@code keyKey} or {@code caKey}).
     */
    public static ZkTls load(
            String certFile, String keyFile, String caFile, String certKey, String keyKey, String caKey) {
        Path cert = path(certFile, certKey);
        Path key = path(keyFile, keyKey);
        Path ca = path(caFile, caKey);
        if (cert == null && key == null && ca == null) {
            return null;
        }
        if (cert == null || key == null || ca == null) {
            String missing = cert == null ? certKey : key == null ? keyKey : caKey;
            throw new IllegalArgumentException(missing + " is needed too: TLS to ZooKeeper takes a certificate, its"
                    + " key and a CA file (" + certKey + ", " + keyKey + ", " + caKey + ")");
        }
        TlsMaterial material = TlsMaterial.fromPem(cert, key, certKey, keyKey);
        TlsMaterial.certificates(ca, caKey);
        StringBuilder pem = new StringBuilder(TlsMaterial.pem(pkcs8(material, keyKey, key)));
        for (X509Certificate c : material.chain()) {
            pem.append(TlsMaterial.pem(c));
        }
        try {
            Path keyStore = Files.createTempFile(
                    "koordinator-zk-tls-",
                    ".pem",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            keyStore.toFile().deleteOnExit();
            Files.writeString(keyStore, pem, StandardCharsets.US_ASCII);
            return new ZkTls(keyStore, ca);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ZooKeeper's PEM key store: " + e.getMessage(), e);
        }
    }

    /** {@code file} as a path; null or empty: not given. */
    private static Path path(String file, String settingKey) {
        try {
            return file == null || file.isEmpty() ? null : Path.of(file);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(settingKey + ": '" + file + "' is not a file path", e);
        }
    }

    private static JcaPKCS8Generator pkcs8(TlsMaterial material, String keyKey, Path key) {
        try {
            return new JcaPKCS8Generator(material.key(), null);
        } catch (PemGenerationException e) {
            throw new IllegalArgumentException(
                    keyKey + ": " + key + " holds a key that cannot be encoded as PKCS#8", e);
        }
    }
}
