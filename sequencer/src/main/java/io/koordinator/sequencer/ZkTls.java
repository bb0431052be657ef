package io.koordinator.sequencer;

import java.nio.file.Path;
import java.util.Objects;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;

/**
 * TLS between a ZooKeeper client of the group (a proxy, the operator CLI) and ZooKeeper's secure
 * client port: {@link #clientConfig()} is the one place that turns it into ZooKeeper's client
 * settings, given to each client on its own (Curator's {@code zkClientConfig}), never as JVM-wide
 * system properties.
 *
 * <p>Both files are PEM, as ZooKeeper 3.9 reads them ({@code zookeeper.ssl.*.type=PEM}). ZooKeeper
 * reads them again on every connection attempt. Hostname verification stays on (ZooKeeper's
 * default): the server's certificate must name the host or address each server has in the connect
 * string. See <a href="https://zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html#Quorum+TLS">
 * ZooKeeper's TLS settings</a>.
 *
 * @param keyStore one PEM file holding the client's private key (unencrypted PKCS#8) and its
 *     certificate chain, presented to servers that ask for a client certificate
 * @param trustStore PEM file of the CA certificates that sign the servers' certificates
 */
public record ZkTls(Path keyStore, Path trustStore) {
    public ZkTls {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(trustStore, "trustStore");
    }

    /** A fresh client configuration with TLS over ZooKeeper's Netty socket, for one client. */
    public ZKClientConfig clientConfig() {
        ZKClientConfig c = new ZKClientConfig();
        c.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
        c.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        try (ClientX509Util x509 = new ClientX509Util()) {
            c.setProperty(x509.getSslKeystoreLocationProperty(), keyStore.toString());
            c.setProperty(x509.getSslKeystoreTypeProperty(), "PEM");
            c.setProperty(x509.getSslTruststoreLocationProperty(), trustStore.toString());
            c.setProperty(x509.getSslTruststoreTypeProperty(), "PEM");
            c.setProperty(x509.getSslHostnameVerificationEnabledProperty(), "true");
        }
        return c;
    }

    @Override
    public String toString() {
        return "TLS (trusting " + trustStore + ")";
    }
}
