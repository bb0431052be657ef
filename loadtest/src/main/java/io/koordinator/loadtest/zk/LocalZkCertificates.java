package io.koordinator.loadtest.zk;

import io.koordinator.inject.SelfSignedCertificates;
import io.koordinator.inject.TlsMaterial;
import io.koordinator.proxy.ZkTlsFiles;
import io.koordinator.sequencer.ZkTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The certificates of a local ensemble that serves TLS, written as PEM files into one directory:
 * {@value #CA} (a fresh CA), {@code server.crt}/{@code server.key} (the servers' certificate for
 * {@code localhost}, 127.0.0.1 and the ensemble's addresses) and {@value #CLIENT_CERT}/{@value
 * #CLIENT_KEY} (a client certificate the same CA signs), the names a {@code kubernetes.io/tls}
 * Secret uses, so the proxy's {@code --zk-tls-*-file} flags point at them as they are.
 */
public final class LocalZkCertificates {
    public static final String CA = "ca.crt";
    public static final String CLIENT_CERT = "tls.crt";
    public static final String CLIENT_KEY = "tls.key";

    private LocalZkCertificates() {}

    /**
     * Writes the files for servers reached at {@code addresses} and returns the servers' own key
     * and trust stores, in the form ZooKeeper's PEM loader reads.
     */
    static ZkTls write(Path dir, List<String> addresses) throws IOException {
        Files.createDirectories(dir);
        SelfSignedCertificates.Authority ca = SelfSignedCertificates.authority("koordinator-local-zk-ca");
        Files.writeString(dir.resolve(CA), TlsMaterial.pem(ca.certificate()), StandardCharsets.US_ASCII);
        List<String> names = new java.util.ArrayList<>(List.of("localhost", "127.0.0.1"));
        addresses.stream().filter(a -> !names.contains(a)).forEach(names::add);
        ca.issue(names, true).writePem(dir.resolve("server.crt"), dir.resolve("server.key"));
        ca.issue(List.of("koordinator-local-client"), true).writePem(dir.resolve(CLIENT_CERT), dir.resolve(CLIENT_KEY));
        return ZkTlsFiles.load(
                dir.resolve("server.crt").toString(),
                dir.resolve("server.key").toString(),
                dir.resolve(CA).toString(),
                "server.crt",
                "server.key",
                CA);
    }
}
