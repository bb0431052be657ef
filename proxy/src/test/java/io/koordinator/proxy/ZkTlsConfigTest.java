package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.koordinator.Main;
import io.koordinator.inject.SelfSignedCertificates;
import io.koordinator.inject.TlsMaterial;
import io.koordinator.proxy.ProxyConfigKeys.Key;
import io.koordinator.sequencer.ZkTls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The three {@code --zk-tls-*-file} settings: read and checked at start-up, one sentence naming the key at fault. */
class ZkTlsConfigTest {
    @TempDir
    Path dir;

    Path cert;
    Path key;
    Path ca;

    @BeforeEach
    void files() throws Exception {
        SelfSignedCertificates.Authority authority = SelfSignedCertificates.authority("test-zk-ca");
        cert = dir.resolve("tls.crt");
        key = dir.resolve("tls.key");
        ca = dir.resolve("ca.crt");
        authority.issue(List.of("replica-1"), true).writePem(cert, key);
        Files.writeString(ca, TlsMaterial.pem(authority.certificate()));
    }

    private Map<Key, String> settings(Path certFile, Path keyFile, Path caFile) {
        Map<Key, String> m = new EnumMap<>(Key.class);
        m.put(Key.GROUP, "g");
        m.put(Key.ZOOKEEPER, "zk:2281");
        m.put(Key.APP_PORT, "8080");
        if (certFile != null) {
            m.put(Key.ZK_TLS_CERT_FILE, certFile.toString());
        }
        if (keyFile != null) {
            m.put(Key.ZK_TLS_KEY_FILE, keyFile.toString());
        }
        if (caFile != null) {
            m.put(Key.ZK_TLS_CA_FILE, caFile.toString());
        }
        return m;
    }

    @Test
    void theThreeFilesBecomeZooKeepersPemKeyStoreAndTrustStore() throws Exception {
        ZkTls tls = ProxyConfig.of(settings(cert, key, ca)).sequencerConfig().tls();

        assertThat(tls.trustStore()).isEqualTo(ca);
        String keyStore = Files.readString(tls.keyStore());
        assertThat(keyStore).startsWith("-----BEGIN PRIVATE KEY-----").contains("-----BEGIN CERTIFICATE-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.keyStore())))
                .isEqualTo("rw-------");
        assertThat(tls.clientConfig().getProperty("zookeeper.client.secure")).isEqualTo("true");
        assertThat(tls.clientConfig().getProperty("zookeeper.clientCnxnSocket"))
                .isEqualTo("org.apache.zookeeper.ClientCnxnSocketNetty");
        assertThat(tls.clientConfig().getProperty("zookeeper.ssl.keyStore.type"))
                .isEqualTo("PEM");
        assertThat(System.getProperty("zookeeper.client.secure"))
                .as("never JVM-wide")
                .isNull();
    }

    @Test
    void withoutTheFilesThereIsNoTls() {
        assertThat(ProxyConfig.of(settings(null, null, null)).sequencerConfig().tls())
                .isNull();
    }

    @Test
    void aMissingFileIsOneSentenceNamingItsKey() {
        assertThatThrownBy(() -> ProxyConfig.of(settings(dir.resolve("nope.crt"), key, ca)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "--zk-tls-cert-file (KOORD_ZK_TLS_CERT_FILE): cannot read " + dir.resolve("nope.crt"));
        assertThatThrownBy(() -> ProxyConfig.of(settings(cert, key, dir.resolve("nope-ca.crt"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--zk-tls-ca-file (KOORD_ZK_TLS_CA_FILE): cannot read");
    }

    @Test
    void aKeyFileThatHoldsNoKeyIsOneSentenceNamingItsKey() throws Exception {
        Files.writeString(key, "not a key\n");
        assertThatThrownBy(() -> ProxyConfig.of(settings(cert, key, ca)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "--zk-tls-key-file (KOORD_ZK_TLS_KEY_FILE): " + key + " holds no unencrypted PEM private key");
    }

    @Test
    void aCaFileWithoutCertificatesIsRefused() throws Exception {
        Files.writeString(ca, "");
        assertThatThrownBy(() -> ProxyConfig.of(settings(cert, key, ca)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--zk-tls-ca-file (KOORD_ZK_TLS_CA_FILE): " + ca + " holds no PEM CERTIFICATE");
    }

    @Test
    void twoFilesOfThreeNameTheMissingOne() {
        assertThatThrownBy(() -> ProxyConfig.of(settings(cert, null, ca)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--zk-tls-key-file (KOORD_ZK_TLS_KEY_FILE) is needed too");
    }

    @Test
    void theProxyExitsWithStatus2AndOneLine() {
        CommandLine cl = Main.commandLine();
        cl.getSubcommands().get("proxy").setDefaultValueProvider(new ProxyConfigKeys.EnvDefaults(Map.of()));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        int code;
        try {
            code = cl.execute(
                    "proxy",
                    "--group",
                    "g",
                    "--zookeeper",
                    "zk:2281",
                    "--app-port",
                    "8080",
                    "--zk-tls-cert-file",
                    cert.toString(),
                    "--zk-tls-key-file",
                    dir.resolve("missing.key").toString(),
                    "--zk-tls-ca-file",
                    ca.toString());
        } finally {
            System.setErr(oldErr);
        }
        assertThat(code).isEqualTo(2);
        assertThat(captured.toString().strip())
                .startsWith(
                        "proxy: --zk-tls-key-file (KOORD_ZK_TLS_KEY_FILE): cannot read " + dir.resolve("missing.key"))
                .doesNotContain("\n");
    }
}
