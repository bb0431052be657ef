package io.koordinator.inject;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A serving key and certificate chain, and, when we generated them, the CA that signed them.
 *
 * @param key private key of the serving certificate
 * @param chain serving certificate first
 * @param ca the issuing CA when it is ours (self-signed mode), else null
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain, X509Certificate ca) {

    private static final char[] NO_PASSWORD = new char[0];

    public TlsMaterial {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    /** Reads a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC). */
    public static TlsMaterial fromPem(Path certFile, Path keyFile) {
        return fromPem(certFile, keyFile, "--tls-cert", "--tls-key");
    }

    /**
     * Reads a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC); a failure names {@code
     * certKey} or {@code keyKey}, the settings the files came from.
     */
    public static TlsMaterial fromPem(Path certFile, Path keyFile, String certKey, String keyKey) {
        List<X509Certificate> chain = certificates(certFile, certKey);
        PrivateKey key;
        try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.UTF_8);
                PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                key = keys.getPrivateKey(pair.getPrivateKeyInfo());
            } else if (o instanceof PrivateKeyInfo info) {
                key = keys.getPrivateKey(info);
            } else {
                throw new IllegalArgumentException(keyKey + ": " + keyFile
                        + " holds no unencrypted PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(keyKey + ": cannot read " + keyFile + ": " + e.getMessage(), e);
        }
        return new TlsMaterial(key, chain, null);
    }

    /** The PEM certificates of {@code file}, at least one; a failure names {@code settingKey}. */
    public static List<X509Certificate> certificates(Path file, String settingKey) {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter certs = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(certs.getCertificate(h));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(settingKey + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(settingKey + ": " + file + " holds no PEM CERTIFICATE");
        }
        return chain;
    }

    /** A server-side TLS context serving this key and chain. */
    public SSLContext serverContext() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("serving", key, NO_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /** A client-side TLS context trusting only {@code ca}; for tests and tools. */
    public static SSLContext trusting(X509Certificate ca) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the chain to {@code certFile} and the key to {@code keyFile} (PKCS#8, readable by this user only), as a
     * {@code kubernetes.io/tls} Secret holds them.
     */
    public void writePem(Path certFile, Path keyFile) throws IOException {
        StringBuilder certs = new StringBuilder();
        chain.forEach(c -> certs.append(pem(c)));
        Files.writeString(certFile, certs, StandardCharsets.US_ASCII);
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, pem(new JcaPKCS8Generator(key, null)), StandardCharsets.US_ASCII);
    }

    /** PEM text of a certificate. */
    public static String pem(Object certOrKey) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(certOrKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
