package io.koordinator.inject;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the mounted PEM certificate and key, and picks up new ones when the files change (cert-manager renews
 * certificates in place, Kubernetes swaps the Secret volume's files), so rotation needs no restart. New TLS
 * handshakes use the new certificate; open connections keep theirs.
 *
 * <p>Threading: {@link #reloadIfChanged()} runs on one scheduler thread; handshakes read the current delegate
 * through a volatile field from the listener's threads.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);
    private static final char[] NO_PASSWORD = new char[0];

    private final Path certFile;
    private final Path keyFile;
    /**
     * Written by the reload thread, read by handshakes. Aliases handed out carry the generation, so a handshake
     * that straddles a reload still gets its certificate and key from the same pair.
     */
    private volatile Generation current;

    private volatile Generation previous;
    /** Only touched by the reload thread (and the constructor). */
    private byte[] fingerprint;

    /** Reads the files once; throws {@link IllegalArgumentException} naming the flag if they are unusable. */
    ReloadingKeyManager(Path certFile, Path keyFile) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.fingerprint = fingerprint();
        this.current = new Generation(0, managerFor(TlsMaterial.fromPem(certFile, keyFile)));
        this.previous = current;
    }

    /** A server TLS context whose key manager is this one. */
    SSLContext serverContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {this}, null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * Reloads when the files' content changed; keeps serving the old pair if the new one is unreadable (a
     * half-written rotation), and tries again next time.
     *
     * @return what happened
     */
    Reload reloadIfChanged() {
        byte[] now = fingerprint();
        if (Arrays.equals(now, fingerprint)) {
            return Reload.UNCHANGED;
        }
        try {
            TlsMaterial tls = TlsMaterial.fromPem(certFile, keyFile);
            Generation next = new Generation(current.id() + 1, managerFor(tls));
            previous = current;
            current = next;
            fingerprint = now;
            log.info(
                    "injector: serving the renewed certificate from {} (expires {})",
                    certFile,
                    tls.chain().get(0).getNotAfter().toInstant());
            return Reload.RELOADED;
        } catch (RuntimeException e) {
            log.warn("injector: {} changed but cannot be loaded yet: {}", certFile, e.getMessage());
            return Reload.FAILED;
        }
    }

    /** Outcome of one check; the {@code result} label of the certificate reloads counter. */
    enum Reload {
        UNCHANGED,
        RELOADED,
        FAILED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private byte[] fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(certFile));
            sha.update(Files.readAllBytes(keyFile));
            return sha.digest();
        } catch (IOException e) {
            return new byte[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509ExtendedKeyManager managerFor(TlsMaterial tls) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("serving", tls.key(), NO_PASSWORD, tls.chain().toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X509 key manager available");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the key manager: " + e.getMessage(), e);
        }
    }

    private record Generation(int id, X509ExtendedKeyManager manager) {

        String tag(String alias) {
            return alias == null ? null : id + "/" + alias;
        }
    }

    private Generation generationOf(String alias) {
        int slash = alias == null ? -1 : alias.indexOf('/');
        if (slash < 0) {
            return null;
        }
        Generation c = current;
        Generation p = previous;
        String id = alias.substring(0, slash);
        return id.equals("" + c.id()) ? c : id.equals("" + p.id()) ? p : null;
    }

    private static String untag(String alias) {
        return alias.substring(alias.indexOf('/') + 1);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // a server only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Generation g = current;
        String[] aliases = g.manager().getServerAliases(keyType, issuers);
        return aliases == null ? null : Arrays.stream(aliases).map(g::tag).toArray(String[]::new);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Generation g = current;
        return g.tag(g.manager().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Generation g = current;
        return g.tag(g.manager().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation g = generationOf(alias);
        return g == null ? null : g.manager().getCertificateChain(untag(alias));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation g = generationOf(alias);
        return g == null ? null : g.manager().getPrivateKey(untag(alias));
    }
}
