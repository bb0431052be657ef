package io.koordinator.loadtest.zk;

import io.koordinator.Directories;
import io.koordinator.sequencer.ZkTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real ZooKeeper servers in this JVM: a standalone server, or a quorum of {@code n} peers, each
 * with its own data directory and transaction log (fsync on, ZooKeeper's default). Used by the
 * {@code zookeeper} subcommand, the demo, the benchmarks and tests.
 *
 * <p>{@link #start()} returns once every server accepts sessions and answers a read. Servers can
 * be stopped and restarted one by one ({@link #stop(int)}, {@link #restart(int)}) to exercise
 * failover; they keep their data directory and ports.
 */
public final class LocalQuorum implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalQuorum.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final LocalQuorumConfig config;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<LocalZkServer> servers = new ArrayList<>();
    private Path root;
    private boolean ownsRoot;

    public LocalQuorum(LocalQuorumConfig config) {
        this.config = config;
    }

    /** Starts {@code servers} servers on loopback and waits until they serve. */
    public static LocalQuorum start(int servers) throws IOException, InterruptedException {
        LocalQuorum q = new LocalQuorum(LocalQuorumConfig.loopback(servers));
        q.start();
        return q;
    }

    /** Creates the data directories, starts every server and waits until each one serves. */
    public void start() throws IOException, InterruptedException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started");
        }
        try {
            int n = config.servers();
            ownsRoot = config.dataDir() == null;
            root = ownsRoot ? Files.createTempDirectory("koordinator-zk-") : config.dataDir();
            boolean secure = config.tlsDir() != null;
            int[] ports = ports((secure ? 4 : 3) * n);
            ZkTls tls = secure
                    ? LocalZkCertificates.write(
                            config.tlsDir(), List.of(config.bindAddress(), config.advertisedAddress()))
                    : null;
            List<String> peers = new ArrayList<>();
            String peerHost = localHost();
            for (int i = 0; i < n; i++) {
                peers.add("server." + (i + 1) + "=" + peerHost + ":" + ports[n + i] + ":" + ports[2 * n + i]);
            }
            for (int i = 0; i < n; i++) {
                servers.add(new LocalZkServer(
                        i + 1,
                        root.resolve("server-" + (i + 1)),
                        config.bindAddress(),
                        ports[i],
                        config.tickTime(),
                        config.maxSessionTimeout(),
                        n == 1 ? List.of() : peers,
                        secure ? ports[3 * n + i] : 0,
                        tls));
            }
            for (LocalZkServer s : servers) {
                if (config.member() == 0 || config.member() == s.id()) {
                    s.start();
                }
            }
            awaitServing(config.startTimeout());
            log.info("zookeeper/{} serving: {}", n == 1 ? "standalone" : n + "-server quorum", connectString());
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@code host:port,host:port,...} of every server's client port. */
    public String connectString() {
        return servers.stream()
                .map(s -> config.advertisedAddress() + ":" + s.clientPort())
                .collect(Collectors.joining(","));
    }

    /** {@code host:port,...} of every server's secure-only client port; empty without {@code tlsDir}. */
    public String secureConnectString() {
        return servers.stream()
                .filter(s -> s.securePort() != 0)
                .map(s -> config.advertisedAddress() + ":" + s.securePort())
                .collect(Collectors.joining(","));
    }

    /** Client port of server {@code index} (0-based). */
    public int clientPort(int index) {
        return servers.get(index).clientPort();
    }

    /** The parent of the servers' data directories. */
    public Path dataDir() {
        return root;
    }

    public int size() {
        return servers.size();
    }

    /** Stops server {@code index} (0-based); its data stays. */
    public void stop(int index) {
        servers.get(index).stop();
    }

    /** Starts a stopped server {@code index} again with the same data and ports. */
    public void restart(int index) throws IOException {
        servers.get(index).start();
    }

    /** Waits until every running server is in a quorum (or standalone) and serves clients. */
    public void awaitServing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (LocalZkServer s : servers) {
            if (s.isRunning()) {
                awaitServing(s, deadline);
            }
        }
    }

    /** The server's mode from the {@code srvr} four-letter word: leader, follower, standalone, or null. */
    public String mode(int index) {
        return FourLetterWords.mode(localHost(), servers.get(index).clientPort());
    }

    /** An address of this machine the servers listen on: the bind address, or loopback for 0.0.0.0. */
    private String localHost() {
        return config.bindAddress().equals("0.0.0.0") ? "127.0.0.1" : config.bindAddress();
    }

    private void awaitServing(LocalZkServer s, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            Throwable failure = s.failure();
            if (failure != null) {
                throw new IllegalStateException(
                        "zookeeper server on port " + s.clientPort() + " failed: " + failure, failure);
            }
            if (FourLetterWords.mode(localHost(), s.clientPort()) != null) {
                return;
            }
            // Between attempts while the quorum elects a leader; bounded by the deadline.
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new IllegalStateException("zookeeper server on port " + s.clientPort() + " did not serve in time");
    }

    private int[] ports(int count) throws IOException {
        int[] ports = new int[count];
        if (config.basePort() != 0) {
            for (int i = 0; i < count; i++) {
                ports[i] = config.basePort() + i;
            }
            return ports;
        }
        return FreePorts.pick(count);
    }

    /** Stops every server and deletes the temporary data directory. Idempotent, never throws. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        for (LocalZkServer s : servers) {
            s.stop();
        }
        if (ownsRoot && root != null) {
            deleteTree(root);
        }
    }

    /** Deletes {@code dir} and everything below it; logs instead of throwing. */
    public static void deleteTree(Path dir) {
        if (!Directories.deleteTree(dir)) {
            log.warn("zookeeper could not delete all of {}", dir);
        }
    }
}
