package io.koordinator.loadtest.zk;

import io.koordinator.sequencer.ZkTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ZooKeeper server running on its own thread: {@link QuorumPeerMain} when it has peers,
 * {@link ZooKeeperServerMain} when it is alone. Restartable: {@link #stop()} then {@link
 * #start()} runs a fresh server on the same data directory and ports.
 */
final class LocalZkServer {
    private static final Logger log = LoggerFactory.getLogger(LocalZkServer.class);

    private final int id;
    private final Path dataDir;
    private final String bindAddress;
    private final int clientPort;
    private final Duration tickTime;
    private final Duration maxSessionTimeout;
    private final List<String> peers;
    /** 0: no secure client port. */
    private final int securePort;
    /** The servers' key and trust stores when {@link #securePort} is set. */
    private final ZkTls tls;
    // Guarded by this.
    private AutoCloseable running;
    private Thread thread;
    // Set by the server's thread if it ends with an error.
    private volatile Throwable failure;

    LocalZkServer(
            int id,
            Path dataDir,
            String bindAddress,
            int clientPort,
            Duration tickTime,
            Duration maxSessionTimeout,
            List<String> peers,
            int securePort,
            ZkTls tls) {
        this.id = id;
        this.dataDir = dataDir;
        this.bindAddress = bindAddress;
        this.clientPort = clientPort;
        this.tickTime = tickTime;
        this.maxSessionTimeout = maxSessionTimeout;
        this.peers = peers;
        this.securePort = securePort;
        this.tls = tls;
    }

    int id() {
        return id;
    }

    int clientPort() {
        return clientPort;
    }

    /** The secure-only client port, or 0 when the server serves plain TCP only. */
    int securePort() {
        return securePort;
    }

    /** The error a server thread ended with, or null. */
    Throwable failure() {
        return failure;
    }

    synchronized boolean isRunning() {
        return running != null;
    }

    /** Starts the server's thread; it serves once it has joined a quorum. */
    synchronized void start() throws IOException {
        if (running != null) {
            return;
        }
        failure = null;
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("myid"), id + "\n", StandardCharsets.US_ASCII);
        QuorumPeerConfig qpc = new QuorumPeerConfig();
        try {
            qpc.parseProperties(properties());
        } catch (QuorumPeerConfig.ConfigException e) {
            throw new IOException("zookeeper/server-" + id + " bad configuration: " + e.getMessage(), e);
        }
        String name = "zk-server-" + id;
        if (peers.isEmpty()) {
            ServerConfig sc = new ServerConfig();
            sc.readFrom(qpc);
            ZooKeeperServerMain main = new ZooKeeperServerMain();
            running = main::close;
            thread = new Thread(() -> run(() -> main.runFromConfig(sc)), name);
        } else {
            QuorumPeerMain main = new QuorumPeerMain();
            running = main::close;
            thread = new Thread(() -> run(() -> main.runFromConfig(qpc)), name);
        }
        thread.setDaemon(true);
        thread.start();
        log.info(
                "zookeeper/server-{} started on {}:{}{} in {}",
                id,
                bindAddress,
                clientPort,
                securePort == 0 ? "" : " and TLS on " + securePort,
                dataDir);
    }

    private Properties properties() {
        Properties p = new Properties();
        p.setProperty("tickTime", Long.toString(tickTime.toMillis()));
        p.setProperty("initLimit", "10");
        p.setProperty("syncLimit", "5");
        if (maxSessionTimeout != null) {
            p.setProperty("maxSessionTimeout", Long.toString(maxSessionTimeout.toMillis()));
        }
        p.setProperty("dataDir", dataDir.toString());
        p.setProperty("clientPort", Integer.toString(clientPort));
        p.setProperty("clientPortAddress", bindAddress);
        // Every client of a local quorum comes from one address.
        p.setProperty("maxClientCnxns", "0");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("reconfigEnabled", "false");
        p.setProperty("standaloneEnabled", "true");
        p.setProperty("4lw.commands.whitelist", "srvr,stat,ruok,mntr");
        if (securePort != 0) {
            tlsProperties(p);
        }
        for (String peer : peers) {
            int eq = peer.indexOf('=');
            p.setProperty(peer.substring(0, eq), peer.substring(eq + 1));
        }
        return p;
    }

    /**
     * A secure-only client port beside the plain one, on Netty (the only server transport with
     * TLS). Clients must present a certificate the ensemble's CA signed ({@code clientAuth=need});
     * it names the client, not its address, so the server does not check its host name. ZooKeeper
     * turns these keys into {@code zookeeper.*} system properties of this JVM, which runs servers
     * only. See <a href="https://zookeeper.apache.org/doc/r3.9.3/zookeeperAdmin.html#sc_authOptions">
     * ZooKeeper's administrator guide</a>.
     */
    private void tlsProperties(Properties p) {
        p.setProperty("secureClientPort", Integer.toString(securePort));
        p.setProperty("secureClientPortAddress", bindAddress);
        p.setProperty("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        p.setProperty("ssl.keyStore.location", tls.keyStore().toString());
        p.setProperty("ssl.keyStore.type", "PEM");
        p.setProperty("ssl.trustStore.location", tls.trustStore().toString());
        p.setProperty("ssl.trustStore.type", "PEM");
        p.setProperty("ssl.clientAuth", "need");
        p.setProperty("ssl.clientHostnameVerification", "false");
    }

    private interface Body {
        void run() throws Exception;
    }

    private void run(Body body) {
        try {
            body.run();
        } catch (Exception | LinkageError e) {
            failure = e;
            log.warn("zookeeper/server-{} stopped with an error: {}", id, e.toString());
        }
    }

    /** Stops the server and waits for its thread (bounded). Never throws. */
    void stop() {
        AutoCloseable r;
        Thread t;
        synchronized (this) {
            r = running;
            t = thread;
            running = null;
            thread = null;
        }
        if (r == null) {
            return;
        }
        try {
            r.close();
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (Exception e) {
            log.warn("zookeeper/server-{} error while stopping: {}", id, e.toString());
        }
        log.info("zookeeper/server-{} stopped", id);
    }
}
